# Run by fortress.nginx.fail2ban_nginx with the host's python3 (python3 -c, nothing is installed):
# prints, as one JSON document, what the host already has before the role changes anything.
#
#   python3 -c "$(cat fortress-read-host.py)" CONF_DIR OUR_JAIL_FILE KEY...
#
# nginx: the output of `nginx -T` (the whole configuration nginx runs, every include inlined).
# fail2ban: read with fail2ban's own configuration parser (it works while the service is down), in
# fail2ban's order (jail.conf, jail.d/*.conf, jail.local, jail.d/*.local), without the role's own
# jail file: for [DEFAULT] and every jail section, the effective value of each KEY and the last file
# that sets it. Nothing here writes anything.
import glob
import json
import os
import subprocess
import sys


def read_nginx():
    binary = "/usr/sbin/nginx"
    if not os.path.exists(binary):
        return {"installed": False}
    proc = subprocess.run([binary, "-T"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    return {"installed": True, "rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr[-4000:]}


def jail_files(conf_dir, ours):
    base = os.path.join(conf_dir, "jail")
    files = [base + ".conf"] + sorted(glob.glob(base + ".d/*.conf"))
    files += [base + ".local"] + sorted(glob.glob(base + ".d/*.local"))
    return [path for path in files if os.path.isfile(path) and os.path.realpath(path) != os.path.realpath(ours)]


def value_of(parser, section, key):
    try:
        return parser.get(section, key)
    except Exception:  # pylint: disable=broad-except  # a reference fail2ban resolves per jail
        return parser.get(section, key, raw=True)


def own_keys(parser, section):
    # pylint: disable=protected-access
    if section == "DEFAULT":
        return set(parser._defaults)
    return set(parser._sections.get(section, {}))


def read_fail2ban(conf_dir, ours, keys):
    try:
        from fail2ban.client.configparserinc import SafeConfigParserWithIncludes  # pylint: disable=import-error
    except ImportError:
        return {"installed": False}
    files = jail_files(conf_dir, ours)
    result = {"installed": True, "files": files, "default": {}, "jails": {}}
    try:
        effective = SafeConfigParserWithIncludes()
        effective.read(files)
        sources = []
        for path in files:
            single = SafeConfigParserWithIncludes()
            single.read(path)
            sources.append((path, single))
        for section in ["DEFAULT"] + effective.sections():
            found = {}
            for key in keys:
                setters = [path for path, single in sources
                           if (section == "DEFAULT" or single.has_section(section)) and key in own_keys(single, section)]
                if setters:
                    found[key] = {"value": value_of(effective, section, key), "file": setters[-1]}
            if section == "DEFAULT":
                result["default"] = found
            elif found:
                result["jails"][section] = found
    except Exception as error:  # pylint: disable=broad-except  # reported to the play, which stops
        result["error"] = "%s: %s" % (type(error).__name__, error)
    return result


def main():
    conf_dir, ours, keys = sys.argv[1], sys.argv[2], sys.argv[3:]
    json.dump({"nginx": read_nginx(), "fail2ban": read_fail2ban(conf_dir, ours, keys)}, sys.stdout)


main()
