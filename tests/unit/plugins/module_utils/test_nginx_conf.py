"""nginx_conf against real `nginx -T` outputs (Debian 12's nginx 1.22.1, tests/unit/data/nginx)."""
import os

import pytest

from ansible_collections.fortress.nginx.plugins.module_utils import nginx_conf
from ansible_collections.fortress.nginx.plugins.filter.nginx_logs import nginx_logs
from ansible_collections.fortress.nginx.plugins.filter.nginx_log_errors import nginx_log_errors

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "data", "nginx")


def dump(name):
    with open(os.path.join(DATA, name)) as handle:
        return handle.read()


@pytest.fixture(scope="module")
def multi():
    return nginx_conf.nginx_logs(dump("bookworm-multi-vhost.txt"))


def by_path(selection):
    return dict((log["path"], log) for log in selection["access_logs"])


@pytest.mark.parametrize("release", ["bullseye", "bookworm", "trixie"])
def test_debian_default_site_logs_combined_to_the_http_level_files(release):
    info = nginx_conf.nginx_logs(dump("%s-default.txt" % release))
    selection = nginx_conf.select_logs(info)
    assert [log["path"] for log in selection["access_logs"]] == ["/var/log/nginx/access.log"]
    assert selection["access_logs"][0]["formats"] == [{"name": "combined", "servers": ["_"]}]
    assert selection["error_logs"] == ["/var/log/nginx/error.log"]
    assert info["realip"]["configured"] is False
    assert nginx_conf.check_formats(info, selection["access_logs"], ["/var/log/nginx/access.log"], "combined") == []


def test_every_vhost_gets_its_own_logs_through_includes(multi):
    logs = by_path(nginx_conf.select_logs(multi))
    # shop's logs come from an included snippet (relative include, resolved against /etc/nginx).
    assert logs["/var/log/nginx/shop.access.log"]["formats"] == [{"name": "timed", "servers": ["shop.example.org"]}]
    # The default site inherits the http-level access_log.
    assert logs["/var/log/nginx/access.log"]["formats"] == [{"name": "combined", "servers": ["_"]}]
    assert "/var/log/nginx/shop.error.log" in nginx_conf.select_logs(multi)["error_logs"]


def test_a_path_with_variables_becomes_a_glob(multi):
    log = by_path(nginx_conf.select_logs(multi))["/var/log/nginx/*.access.log"]
    assert log["nginx_path"] == "/var/log/nginx/$host.access.log"


def test_access_log_off_and_syslog_targets_are_not_watched(multi):
    selection = nginx_conf.select_logs(multi, ["quiet.example.org"])
    assert selection["access_logs"] == []
    assert selection["error_logs"] == []
    assert any("quiet.example.org: error_log syslog:" in note for note in selection["not_files"])
    # A location's access_log off does not hide the server's own log.
    assert "/var/log/nginx/shop.access.log" in by_path(nginx_conf.select_logs(multi, ["shop.example.org"]))
    blog = nginx_conf.select_logs(multi, ["blog.example.org"])
    assert any("syslog:server=unix:/dev/log,tag=nginx" in note for note in blog["not_files"])


def test_vhosts_select_by_any_server_name_and_unknown_names_are_listed(multi):
    selection = nginx_conf.select_logs(multi, ["www.shop.example.org", "nope.example.org"])
    assert sorted(by_path(selection)) == ["/var/log/nginx/api.json.log", "/var/log/nginx/shop.access.log"]
    assert selection["unknown_vhosts"] == ["nope.example.org"]


def test_log_formats_are_concatenated_and_escape_is_read(multi):
    formats = multi["log_formats"]
    assert formats["vhosts"]["format"].startswith('$host $remote_addr - $remote_user [$time_local] "$request" $status')
    assert formats["jsonlog"]["escape"] == "json"
    assert formats["combined"]["format"] == nginx_conf.COMBINED


@pytest.mark.parametrize("name,expected", [
    ("combined", "combined"), ("timed", "combined"), ("vhosts", "vhost_combined"), ("iso", "combined_iso8601"),
    ("jsonlog", None), ("behindlb", None)])
def test_each_format_is_classified(multi, name, expected):
    assert nginx_conf.classify(multi["log_formats"][name])["format"] == expected


@pytest.mark.parametrize("text,reason", [
    ('$remote_addr - $remote_user [$time_local] "$request" $status', "nothing follows $status"),
    ('$remote_addr [$time_local] "$request" $status $body_bytes_sent', "start differs"),
    ('$remote_addr - $remote_user [$msec] "$request" $status 1', "no [$time_local]"),
    ('$request_time $remote_addr - $remote_user [$time_local] "$request" $status 1', "first field is $request_time"),
    ('$http_x_forwarded_for - $remote_user [$time_local] "$request" $status 1', "forwarded-for header"),
])
def test_unsupported_formats_say_why_and_how_to_fix(text, reason):
    verdict = nginx_conf.classify({"format": text, "escape": "default"})
    assert verdict["format"] is None
    assert reason in verdict["reason"]
    assert verdict["fix"]


def test_escape_none_is_refused():
    verdict = nginx_conf.classify({"format": nginx_conf.COMBINED, "escape": "none"})
    assert verdict["format"] is None and "escape=none" in verdict["fix"]


def test_check_formats_names_the_log_format_and_the_fix(multi):
    everything = nginx_conf.select_logs(multi)["access_logs"]
    errors = nginx_conf.check_formats(multi, everything, ["/var/log/nginx/lb.log", "/var/log/nginx/*.access.log",
                                                          "/var/log/nginx/access.log", "/var/log/auth.log"], "combined")
    assert len(errors) == 2
    assert "log_format 'behindlb'" in errors[0] and "lb.example.org" in errors[0]
    assert "set fail2ban_nginx_access_log_format: vhost_combined" in errors[1]
    assert nginx_conf.check_formats(multi, everything, ["/var/log/nginx/*.access.log"], "vhost_combined") == []


def test_undeclared_format_is_an_error():
    text = "# configuration file /etc/nginx/nginx.conf:\nhttp { server { access_log /var/log/x.log missing; } }\n"
    info = nginx_conf.nginx_logs(text)
    everything = nginx_conf.select_logs(info)["access_logs"]
    assert "does not declare" in nginx_conf.check_formats(info, everything, ["/var/log/x.log"], "combined")[0]


def test_tokenizer_handles_quotes_comments_and_braces_in_variables():
    text = ("# configuration file /etc/nginx/nginx.conf:\n"
            "http { log_format q 'a \\'b\\' # not a comment' \"${remote_addr}x\"; # comment ; {\n"
            "server { server_name a; access_log logs/a.log q; } }\n")
    info = nginx_conf.nginx_logs(text)
    assert info["log_formats"]["q"]["format"] == "a 'b' # not a comment${remote_addr}x"
    assert [log["path"] for log in nginx_conf.select_logs(info)["access_logs"]] == ["/etc/nginx/logs/a.log"]


def test_no_server_block_uses_the_http_level_logs():
    text = "# configuration file /etc/nginx/nginx.conf:\nevents {}\nhttp { access_log /srv/a.log; }\n"
    selection = nginx_conf.select_logs(nginx_conf.nginx_logs(text))
    assert [log["path"] for log in selection["access_logs"]] == ["/srv/a.log"]
    assert selection["error_logs"] == ["/var/log/nginx/error.log"]


@pytest.mark.parametrize("text", ["", "nginx: [emerg] unknown directive", "# configuration file /x:\nhttp { 'open"])
def test_filter_never_raises_on_unreadable_output(text):
    result = nginx_logs(text)
    assert result["parsed"] is False and result["error"]
    assert nginx_log_errors(result, ["/var/log/nginx/access.log"], "combined") == []


def test_filter_returns_the_selection_and_every_log(multi):
    result = nginx_logs(dump("bookworm-multi-vhost.txt"), ["blog.example.org"])
    assert [log["path"] for log in result["access_logs"]] == ["/var/log/nginx/*.access.log"]
    assert len(result["all_access_logs"]) == 5
    assert result["realip"] == {"set_real_ip_from": ["10.0.0.0/8"], "real_ip_header": "X-Forwarded-For",
                                "configured": True}
    errors = nginx_log_errors(result, ["/var/log/nginx/api.json.log"], "combined")
    assert "escape=json" in errors[0]


def test_whitespace_is_significant():
    double = nginx_conf.COMBINED.replace("] ", "]  ")
    assert nginx_conf.classify({"format": double, "escape": "default"})["format"] is None
