# -*- coding: utf-8 -*-
# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ban notifications (issue #14): the spool, the batch message, and the sender against a local
HTTP server on loopback."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading

import pytest

from ansible_collections.fortress.nginx.plugins.module_utils import fail2ban_notify as n

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


def spool_lines(count, jail="nginx-probe", start=1764500000):
    return "".join("%s\t198.51.%d.%d\t%d\n" % (jail, (i // 250) % 250, i % 250 + 1, start + i) for i in range(count))


def test_the_actions_lines_parse_and_anything_else_is_counted_not_used():
    text = ("nginx-4xx\t198.51.100.7\t1764500000\n"
            "sshd\t2001:db8::1\t1764500001.5\n"
            "nginx-4xx\tnot-an-ip\t1764500002\n"
            "bad jail\t198.51.100.8\t1764500003\n"
            "nginx-4xx\t198.51.100.9\n"
            "\n")
    bans, rejected = n.parse_spool(text)
    assert bans == [("nginx-4xx", "198.51.100.7", 1764500000.0), ("sshd", "2001:db8::1", 1764500001.5)]
    assert rejected == 3


def test_a_wave_of_ten_thousand_bans_is_one_short_message():
    bans = n.parse_spool(spool_lines(10000) + spool_lines(5, jail="sshd"))[0]
    message = n.build_message(bans, "web1", max_addresses=20)
    assert message["bans"] == 10005 and message["jails"] == {"nginx-probe": 10000, "sshd": 5}
    assert len(message["addresses"]) == 20 and message["more_addresses"] == message["unique_addresses"] - 20
    assert len(n.encode(message)) < 2000


def test_the_slack_shape_is_one_text():
    bans = n.parse_spool("nginx-4xx\t198.51.100.7\t1\nsshd\t198.51.100.7\t2\n")[0]
    assert n.build_message(bans, "web1", shape="slack") == {
        "text": "fail2ban on web1 banned 1 address (nginx-4xx 1, sshd 1): 198.51.100.7"}


def test_nothing_banned_nothing_sent():
    assert n.build_message([], "web1") is None


def test_take_spool_merges_a_batch_left_by_a_failed_post(tmp_path):
    spool, sending = str(tmp_path / "notify.spool"), str(tmp_path / "notify.spool.sending")
    open(sending, "w").write("a\t198.51.100.1\t1\n")
    open(spool, "w").write("b\t198.51.100.2\t2\n")
    assert n.take_spool(spool, sending, settle=0) == "a\t198.51.100.1\t1\nb\t198.51.100.2\t2\n"
    assert not os.path.exists(spool)


def test_take_spool_keeps_only_the_newest_part_of_a_huge_spool(tmp_path, monkeypatch):
    monkeypatch.setattr(n, "MAX_SPOOL_BYTES", 100)
    spool, sending = str(tmp_path / "s"), str(tmp_path / "s.sending")
    open(spool, "w").write(spool_lines(50))
    bans, rejected = n.parse_spool(n.take_spool(spool, sending, settle=0))
    assert 0 < len(bans) < 5 and rejected == 0 and bans[-1][2] == 1764500049


class Recorder(http.server.BaseHTTPRequestHandler):
    posts = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        Recorder.posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    Recorder.posts = []
    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def run_sender(tmp_path, url):
    lib = tmp_path / "lib"
    lib.mkdir(exist_ok=True)
    (lib / "fortress_notify.py").write_bytes(open(os.path.join(ROOT, "plugins/module_utils/fail2ban_notify.py"), "rb").read())
    (lib / "fortress-notify.py").write_bytes(open(os.path.join(ROOT, "roles/fail2ban_nginx/files/fortress-notify.py"), "rb").read())
    (tmp_path / "url").write_text(url + "\n")
    return subprocess.run([sys.executable, str(lib / "fortress-notify.py"), "--spool", str(tmp_path / "notify.spool"),
                           "--url-file", str(tmp_path / "url"), "--timeout", "3"],
                          capture_output=True, text=True, check=False, env={"PATH": os.environ.get("PATH", "")})


def test_the_sender_posts_one_message_and_keeps_a_batch_the_webhook_refused(tmp_path, webhook):
    (tmp_path / "notify.spool").write_text(spool_lines(300))
    # The webhook is down: nothing lost, and the secret path of the URL is not printed.
    down = run_sender(tmp_path, "http://127.0.0.1:1/hooks/SECRET-TOKEN")
    assert down.returncode == 1 and "SECRET-TOKEN" not in down.stderr and "kept for the next run" in down.stderr
    (tmp_path / "notify.spool").write_text(spool_lines(2, jail="sshd"))
    url = "http://127.0.0.1:%d/hooks/SECRET-TOKEN" % webhook.server_address[1]
    sent = run_sender(tmp_path, url)
    assert sent.returncode == 0, sent.stderr
    assert len(Recorder.posts) == 1
    assert Recorder.posts[0]["bans"] == 302 and Recorder.posts[0]["jails"] == {"nginx-probe": 300, "sshd": 2}
    assert sorted(os.listdir(str(tmp_path))) == ["lib", "url"]  # spool and batch consumed
    # Nothing new: nothing sent.
    assert run_sender(tmp_path, url).returncode == 0 and len(Recorder.posts) == 1
