"""A small, bounded HTTP attacker for the scenarios and the demo (standard library only).

  attack.py probe URL [--count N]          404 probes on scanner paths (nginx-botsearch, nginx-4xx)
  attack.py notfound URL [--count N]       404s on plain missing pages (nginx-4xx only)
  attack.py auth URL [--count N]           wrong basic-auth passwords (nginx-http-auth)
  attack.py get URL                        one GET; prints the status, or "blocked: <reason>"

Every request has a short timeout and the counts are bounded: it only ever targets the URL given,
which the callers point at their own test containers.
"""
import argparse
import base64
import sys
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["probe", "notfound", "auth", "get"])
    parser.add_argument("url")
    parser.add_argument("--count", type=int, default=30)
    args = parser.parse_args()
    base = args.url.rstrip("/")
    if args.mode == "get":
        print(request(args.url))
        return 0
    results = {}
    for index in range(min(args.count, 500)):
        if args.mode == "probe":
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
