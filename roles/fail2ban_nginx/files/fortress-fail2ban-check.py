# Installed by fortress.nginx.fail2ban_nginx; run with the system python3 (see tasks/checker.yml).
# Managed by Ansible (fortress.nginx.fail2ban_nginx).
# Validates a candidate fail2ban file before Ansible puts it in place (used as `validate:`).
#
#   fortress-fail2ban-check filter CANDIDATE DEST [SAMPLES.json]   (samples of every filter, by name)
#   fortress-fail2ban-check config CANDIDATE DEST [ALSO_SRC ALSO_DEST]...
#
# The candidate is placed at DEST inside a scratch copy of the configuration directory, so the
# running configuration is never touched. A filter must load and, when samples are given, match
# exactly the sample lines with the expected hosts and none of the others. A jail or action file
# must pass `fail2ban-client -t` on the whole candidate configuration (filters, actions and log
# files included), which is what fail2ban itself checks when it starts or reloads. ALSO pairs are
# staged too: a jail file that names an action the same run writes next is checked with that action.
import json
import os
import shutil
import subprocess
import sys
import tempfile

CONF_DIR = os.environ.get("FORTRESS_FAIL2BAN_CONF", "/etc/fail2ban")


def fail(message, output=""):
    sys.stderr.write("fortress-fail2ban-check: %s\n" % message)
    if output:
        sys.stderr.write(output.strip()[-4000:] + "\n")
    sys.exit(1)


def run(cmd):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    return proc.returncode, proc.stdout


def stage(candidate, dest, also=()):
    conf_dir = os.path.realpath(CONF_DIR)
    rel = os.path.relpath(os.path.realpath(os.path.dirname(dest)), conf_dir)
    if rel.startswith(".."):
        fail("%s is not inside %s" % (dest, conf_dir))
    scratch = tempfile.mkdtemp(prefix="fortress-f2b-")
    staged = os.path.join(scratch, "fail2ban")
    shutil.copytree(conf_dir, staged, symlinks=True)
    target = os.path.join(staged, rel, os.path.basename(dest))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(candidate, target)
    for also_src, also_dest in zip(also[0::2], also[1::2]):
        also_rel = os.path.relpath(os.path.realpath(also_dest), conf_dir)
        if also_rel.startswith(".."):
            fail("%s is not inside %s" % (also_dest, conf_dir))
        os.makedirs(os.path.dirname(os.path.join(staged, also_rel)), exist_ok=True)
        shutil.copyfile(also_src, os.path.join(staged, also_rel))
    return scratch, staged, target


def matched_hosts(staged, filter_path, lines):
    """Hosts fail2ban-regex finds in the given lines, in order (one per matched line)."""
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as log:
        log.write("\n".join(lines) + "\n")
    try:
        code, out = run(["fail2ban-regex", "--raw", "-c", staged, "-o", "ip", log.name, filter_path])
    finally:
        os.unlink(log.name)
    if code != 0:
        fail("fail2ban-regex cannot use %s" % filter_path, out)
    return [line.strip() for line in out.splitlines() if line.strip()]


def check_filter(staged, target, samples_path):
    # Loading the filter with an empty log proves the file parses and every regex compiles.
    matched_hosts(staged, target, [""])
    if not samples_path:
        return
    with open(samples_path) as handle:
        samples = json.load(handle).get(os.path.splitext(os.path.basename(target))[0]) or {}
    name = os.path.basename(target)
    expected = [sample["host"] for sample in samples.get("match", [])]
    if expected:
        got = matched_hosts(staged, target, [sample["line"] for sample in samples["match"]])
        if got != expected:
            fail("filter %s: sample lines that must match gave hosts %s, expected %s" % (name, got, expected))
    nomatch = samples.get("nomatch", [])
    if nomatch:
        got = matched_hosts(staged, target, nomatch)
        if got:
            fail("filter %s: sample lines that must not match were matched (hosts %s)" % (name, got))


def check_config(staged):
    code, out = run(["fail2ban-client", "-c", staged, "-t"])
    if code != 0:
        fail("fail2ban-client -t rejects the candidate configuration", out)


def main(argv):
    if len(argv) < 3 or argv[0] not in ("filter", "config"):
        fail("usage: fortress-fail2ban-check filter CANDIDATE DEST [SAMPLES.json] | config CANDIDATE DEST [ALSO_SRC ALSO_DEST]...")
    kind, candidate, dest = argv[0], argv[1], argv[2]
    scratch, staged, target = stage(candidate, dest, argv[3:] if kind == "config" else ())
    try:
        if kind == "filter":
            check_filter(staged, target, argv[3] if len(argv) > 3 else None)
        else:
            check_config(staged)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
