# Copyright (c) fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fortress-nft-prefix: IPv6 prefix bans for the fail2ban action fortress-nftables
(fortress.nginx.fail2ban_nginx, fail2ban_nginx_ipv6_prefix_bans).

    fortress-nft-prefix.py ban|unban FAMILY TABLE SET PREFIXLEN IP
    fortress-nft-prefix.py reset FAMILY TABLE SET

fail2ban bans an address (or a network); one IPv6 host usually owns a whole /64, so the action bans
the address's network instead: `nft add element FAMILY TABLE SET { NETWORK/PREFIXLEN }` in an
interval set (a network wider than the prefix is banned as it is).
Several banned addresses may share a network: a state file (/run/fortress-nginx/nft-prefix/SET)
lists the banned addresses, and an unban deletes the network only when the last of them goes, so
that no address fail2ban still bans is let in early and no element outlives its bans. `reset`
(the action's start, flush and stop, when the set is created, emptied or deleted) forgets them.
fail2ban runs one action of a jail at a time, so a jail's state file has one writer.
"""
import ipaddress
import os
import subprocess
import sys

STATE_DIR = "/run/fortress-nginx/nft-prefix"


def entry_of(value):
    """A banned address (2001:db8::1) or network (2001:db8::/48), in its canonical form."""
    if "/" in value:
        return str(ipaddress.ip_network(value, strict=False))
    return str(ipaddress.ip_address(value))


def network_of(entry, prefixlen):
    """The network an address or network is banned as, as nft writes it (2001:db8:1:2::/64): its
    network of `prefixlen` bits, or the network itself when it is wider."""
    network = ipaddress.ip_network(entry, strict=False)
    if network.prefixlen > prefixlen:
        network = network.supernet(new_prefix=prefixlen)
    return str(network)


def plan(banned, command, address, prefixlen):
    """What a ban or unban does: (the new list of banned addresses, the nft verb or None, the network).

    ban: the address joins the list and its network is added (adding an element the interval set
    holds already is a no-op for nft). unban: the address leaves the list; its network is deleted
    only when no other listed address lies in it.
    """
    address = entry_of(address)
    network = network_of(address, prefixlen)
    if command == "ban":
        return (banned if address in banned else banned + [address]), "add", network
    left = [other for other in banned if other != address]
    if any(network_of(other, prefixlen) == network for other in left):
        return left, None, network
    return left, "delete", network


def state_path(table, set_name):
    return os.path.join(STATE_DIR, "%s-%s" % (table, set_name))


def read_state(path):
    try:
        with open(path) as state:
            return [line.strip() for line in state if line.strip()]
    except FileNotFoundError:
        return []


def write_state(path, banned):
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    temporary = path + ".new"
    with open(temporary, "w") as state:
        state.write("".join(address + "\n" for address in banned))
    os.replace(temporary, path)


def main(argv):
    if len(argv) == 4 and argv[0] == "reset":
        family, table, set_name = argv[1:]
        try:
            os.unlink(state_path(table, set_name))
        except FileNotFoundError:
            pass
        return 0
    if len(argv) != 6 or argv[0] not in ("ban", "unban"):
        sys.stderr.write(__doc__)
        return 2
    command, family, table, set_name, prefixlen, address = argv
    path = state_path(table, set_name)
    banned, verb, network = plan(read_state(path), command, address, int(prefixlen))
    if verb:
        result = subprocess.run(["nft", verb, "element", family, table, set_name, "{ %s }" % network], check=False)
        # An unban of a network that is already gone (a flush by hand) is not an error.
        if result.returncode != 0 and verb == "add":
            return result.returncode
    write_state(path, banned)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
