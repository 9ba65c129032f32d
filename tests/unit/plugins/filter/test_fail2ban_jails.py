import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.fortress.nginx.plugins.filter.fail2ban_jails import resolve_jails

ACCESS = "/var/log/nginx/access.log"
AUTH = "/var/log/auth.log"


def jail(name, **fields):
    fields["name"] = name
    return fields


def test_jail_with_existing_log_keeps_its_file_and_backend():
    result = resolve_jails([jail("nginx-4xx", logpath=[ACCESS])], [ACCESS])
    assert result["jails"] == [{"name": "nginx-4xx", "logpath": [ACCESS]}]
    assert result["skipped"] == [] and result["disabled"] == []
    assert result["uses_journal"] is False


def test_missing_log_with_journal_fallback_reads_the_journal():
    result = resolve_jails([jail("sshd", logpath=[AUTH], journal_fallback=True)], [])
    assert result["jails"][0]["backend"] == "systemd"
    assert result["jails"][0]["logpath"] == []
    assert result["uses_journal"] is True


def test_existing_log_wins_over_journal_fallback():
    result = resolve_jails([jail("sshd", logpath=[AUTH], journal_fallback=True)], [AUTH])
    assert "backend" not in result["jails"][0]
    assert result["uses_journal"] is False


def test_missing_log_is_skipped_with_reason_and_rendered_disabled():
    result = resolve_jails([jail("nginx-4xx", logpath=[ACCESS])], [], "skip")
    assert result["jails"] == []
    assert result["skipped"][0]["name"] == "nginx-4xx"
    assert ACCESS in result["skipped"][0]["reason"]
    assert result["disabled"] == ["nginx-4xx"]


def test_missing_log_is_created_when_asked():
    result = resolve_jails([jail("a", logpath=[ACCESS]), jail("b", logpath=[ACCESS])], [], "create")
    assert [item["name"] for item in result["jails"]] == ["a", "b"]
    assert result["create_paths"] == [ACCESS]


def test_only_existing_paths_are_kept_and_globs_are_left_to_fail2ban():
    result = resolve_jails([jail("x", logpath=[ACCESS, "/gone.log", "/var/log/nginx/*.access.log"])], [ACCESS])
    assert result["jails"][0]["logpath"] == [ACCESS, "/var/log/nginx/*.access.log"]


def test_disabled_jails_are_listed_not_rendered():
    result = resolve_jails([jail("x", logpath=[ACCESS], enabled=False)], [ACCESS])
    assert result["jails"] == [] and result["disabled"] == ["x"]


def test_explicit_systemd_backend_drops_logpath():
    result = resolve_jails([jail("x", logpath=[ACCESS], backend="systemd")], [ACCESS])
    assert result["jails"][0]["logpath"] == [] and result["uses_journal"] is True


def test_input_is_not_mutated():
    original = jail("sshd", logpath=[AUTH], journal_fallback=True)
    resolve_jails([original], [])
    assert original == {"name": "sshd", "logpath": [AUTH], "journal_fallback": True}


@pytest.mark.parametrize("bad", [[{"logpath": []}], ["sshd"]])
def test_nameless_jail_is_an_error(bad):
    with pytest.raises(AnsibleFilterError):
        resolve_jails(bad, [])


def test_bad_missing_log_mode_is_an_error():
    with pytest.raises(AnsibleFilterError):
        resolve_jails([], [], "ignore")
