"""A small, bounded HTTP attacker for the scenarios and the demo (standard library only).

  attack.py probe URL [--count N]          404 probes on scanner paths (nginx-botsearch, nginx-4xx)
  attack.py notfound URL [--count N]       404s on plain missing pages (nginx-4xx only)
  attack.py auth URL [--count N]           wrong basic-auth passwords (nginx-http-auth)
  attack.py get URL                        one GET; prints the status, or "blocked: <reason>"
  attack.py tls-referer HOST --referer R   TLS connections whose request headers stop at a Referer
                                           of the attacker's choosing, then a record nginx cannot
                                           decrypt: nginx logs "[crit] SSL_read() failed ... client:
                                           <real>, ..., referrer: "R"" (nginx-sslerror, issue #10)

Every request has a short timeout and the counts are bounded: it only ever targets the URL given,
which the callers point at their own test containers.
"""
import argparse
import base64
import os
import socket
import ssl
import sys
import time
import urllib.error
import urllib.request

SCANNER_PATHS = [
    "/wp-login.php", "/.env", "/phpmyadmin/index.php", "/admin/config.php", "/.git/config",
    "/cgi-bin/luci", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/xmlrpc.php",
    "/boaform/admin/formLogin", "/HNAP1/", "/actuator/health", "/solr/admin/info/system",
]


def request(url, headers=None, timeout=3.0):
    req = urllib.request.Request(url, headers=headers or {"User-Agent": "fortress-attacker/1.0"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return str(response.status)
    except urllib.error.HTTPError as error:
        return str(error.code)
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return "blocked: %s" % (reason,)


def tls_referer(host, referer, port=443, timeout=3.0):
    """One TLS connection that makes nginx fail SSL_read() after it has read the Referer header."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the scenario's own self-signed certificate
    # Under TLS 1.3, Debian 12's nginx 1.22 with OpenSSL 3.0 answers the bad record with a 400 and
    # no error-log line; under TLS 1.2 it logs the [crit] line the issue describes (so does Debian
    # 13's under either).
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    try:
        with socket.create_connection((host, port), timeout) as raw:
            with context.wrap_socket(raw, server_hostname="fortress") as tls:
                # Headers without the blank line that ends them: nginx waits for more.
                tls.sendall(("GET / HTTP/1.1\r\nHost: fortress\r\nReferer: %s\r\n" % referer).encode("latin-1"))
                time.sleep(0.2)
                # An application-data record of random bytes, written under TLS: a bad record MAC.
                os.write(tls.fileno(), b"\x17\x03\x03\x00\x20" + os.urandom(32))
                try:
                    tls.recv(64)
                except (ssl.SSLError, OSError) as error:
                    return "alert: %s" % (error,)
                return "no alert"
    except (ssl.SSLError, OSError) as error:
        return "blocked: %s" % (error,)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["probe", "notfound", "auth", "get", "tls-referer"])
    parser.add_argument("url", help="the URL, or the host name for tls-referer")
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--referer", default="-")
    args = parser.parse_args()
    base = args.url.rstrip("/")
    if args.mode == "get":
        print(request(args.url))
        return 0
    results = {}
    for index in range(min(args.count, 500)):
        if args.mode == "tls-referer":
            status = tls_referer(args.url, args.referer)
            status = status.split(":", 1)[0] if not status.startswith("blocked") else status
        elif args.mode == "probe":
            status = request(base + SCANNER_PATHS[index % len(SCANNER_PATHS)])
        elif args.mode == "notfound":
            status = request("%s/no-such-page-%d.html" % (base, index))
        else:
            token = base64.b64encode(("admin:wrong-%d" % index).encode()).decode()
            status = request(args.url, {"Authorization": "Basic " + token, "User-Agent": "fortress-attacker/1.0"})
        key = "blocked" if status.startswith("blocked") else status
        results[key] = results.get(key, 0) + 1
        if key == "blocked":
            break
    print(" ".join("%s=%d" % item for item in sorted(results.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
