# Stand-in for the get-pip bootstrap script that ansible-test downloads from a host this project's
# machines cannot reach: bootstrap pip with ensurepip, then install what ansible-test asked for
# (the pinned pip and friends) from the package index. scripts/test.sh puts it in ansible-test's
# cache only when no real bootstrap script is there.
import subprocess
import sys

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
