"""The collection tarball holds what users need at run time, and nothing a used checkout collects.

Builds the collection from a copy of the checkout (the files git tracks) to which the things a used
checkout gathers are added: a ban report with real-looking data, the ipinfo cache, pytest and tool
caches, Python bytecode, a venv, build outputs. Then checks every member of the tarball against the
run-time allow-list, and that none of the added files shipped. Exits non-zero on any finding.

Run: source scripts/env.sh && python tests/build/check_tarball.py
"""
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# What users need at run time (prefixes of member names in the tarball).
ALLOWED = ("roles/", "plugins/", "playbooks/", "meta/", "docs/", "changelogs/", "inventory/example.yml",
           "README.md", "CHANGELOG.rst", "LICENSE", "MANIFEST.json", "FILES.json")
# What a used checkout holds besides the tracked files: none of it may ship.
USED_CHECKOUT = ["report/report.html", "report/bans.json", "report/bans.csv", "report/ipinfo-cache.json",
                 ".cache/ipinfo.json", ".pytest_cache/v/cache/lastfailed", "tests/filters/.pytest_cache/README.md",
                 "plugins/filter/__pycache__/geolocate.cpython-311.pyc", "plugins/module_utils/__pycache__/geo.cpython-311.pyc",
                 ".venv/bin/python3", ".build/dist/old.tar.gz", "tests/output/junit.xml", "bench/results/run.txt",
                 "fortress-nginx-0.0.1.tar.gz"]


def main():
    work = tempfile.mkdtemp(prefix="fortress-tarball-")
    try:
        tree = os.path.join(work, "checkout")
        tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        for name in tracked.decode().split("\0"):
            if not name or name.startswith(".collections/"):
                continue
            src, dst = os.path.join(ROOT, name), os.path.join(tree, name)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst, follow_symlinks=False)
        for name in USED_CHECKOUT:
            path = os.path.join(tree, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as handle:
                handle.write("203.0.113.7,banned\n")
        out = os.path.join(work, "dist")
        subprocess.run(["ansible-galaxy", "collection", "build", "--force", "--output-path", out, tree],
                       check=True, capture_output=True)
        (tarball,) = [os.path.join(out, name) for name in os.listdir(out)]
        with tarfile.open(tarball) as archive:
            members = [member.name for member in archive.getmembers() if not member.isdir()]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    outside = [name for name in members if not name.startswith(ALLOWED)]
    leaked = [name for name in members if name in USED_CHECKOUT or "__pycache__" in name or name.startswith("report/")]
    for needed in ("LICENSE", "meta/runtime.yml", "meta/execution-environment.yml", "meta/ee-requirements.txt",
                   "roles/ufw_baseline/tasks/main.yml", "roles/fail2ban_nginx/tasks/main.yml",
                   "plugins/modules/fail2ban_status.py", "playbooks/site.yml"):
        if needed not in members:
            outside.append("MISSING " + needed)
    print("tarball: %d files" % len(members))
    for name in outside + leaked:
        print("  not for users: %s" % name)
    if outside or leaked:
        print("FAIL: the tarball ships files users do not need, or lacks ones they do")
        return 1
    print("OK: only run-time files, none of a used checkout's reports or caches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
