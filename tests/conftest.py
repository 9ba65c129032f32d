"""Make the checkout importable as ansible_collections.fortress.nginx for every test, through the
committed link .collections/ansible_collections/fortress/nginx -> the checkout."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, ".collections")

if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

# The fake fail2ban server (tests/support/fake_fail2ban.py) of the unit tests and the benches.
SUPPORT = os.path.join(ROOT, "tests", "support")
if SUPPORT not in sys.path:
    sys.path.insert(0, SUPPORT)
