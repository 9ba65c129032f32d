# -*- coding: utf-8 -*-
# Copyright (c) 2026, fortress.nginx developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure logic behind the ufw_baseline role's planning filter, fortress.nginx.ufw_plan (private: no API).

Controller side, no Ansible imports.

A *rule spec* is what a user writes in ufw_baseline_allow_in/out: a dict with optional keys
port, proto, from, to, comment, interface, rule. A *module rule* is the dict of
community.general.ufw parameters the role passes to the module. A *tuple* is one
``### tuple ###`` line that ufw writes to /etc/ufw/user.rules and user6.rules.
"""

from __future__ import annotations

import binascii
import ipaddress
import re

from ansible_collections.fortress.nginx.plugins.plugin_utils._management import management_connection
from ansible_collections.fortress.nginx.plugins.plugin_utils._ufw_docker import docker_user_lines

RULE_KEYS = frozenset(('port', 'proto', 'from', 'to', 'comment', 'interface', 'rule'))
PROTOCOLS = ('tcp', 'udp', 'any')
RULE_ACTIONS = ('allow', 'limit')
# community.general.ufw puts the comment between single quotes in a command line that is split
# with shlex: quotes or backslashes would break it, so comments stay in this safe alphabet.
# One set of limits: the comment ufw stores (the prefix, a space, the rule's comment) is at most
# COMMENT_MAX characters, and the prefix at most PREFIX_MAX.
COMMENT_RE = re.compile(r"^[A-Za-z0-9 _.,:;/()@#+=%-]*$")
COMMENT_MAX = 200
PREFIX_MAX = 40
INTERFACE_RE = re.compile(r'^[A-Za-z0-9_.-]{1,15}$')
# Docker mode: iptables interface names, a trailing + as wildcard.
DOCKER_INTERFACE_RE = re.compile(r'^[A-Za-z0-9_.-]{1,14}[A-Za-z0-9_.+-]?$')
PORT_RE = re.compile(r'^([0-9]{1,5})(?::([0-9]{1,5}))?$')
ANY_NETWORKS = ('0.0.0.0/0', '::/0')
# The fields of a parsed rule, in the order community.general.ufw builds its command.
RULE_FIELDS = ('rule', 'route', 'log', 'direction', 'interface', 'interface_in', 'interface_out', 'name',
               'proto', 'from_ip', 'from_port', 'to_ip', 'to_port', 'comment')


def _is_any(value):
    return value is None or str(value).strip().lower() in ('any',) + ANY_NETWORKS


def parse_network(value):
    """Return an ip_network for a 'CIDR or address' string, raising ValueError when it is not one."""
    text = str(value).strip()
    if not text or text != str(value):
        raise ValueError('not an address or network')
    return ipaddress.ip_network(text, strict=True)


def normalize_address(value):
    """'any' for any/0.0.0.0/0/::/0, a bare address for a host network, else the compressed CIDR."""
    if _is_any(value):
        return 'any'
    net = ipaddress.ip_network(str(value).strip(), strict=False)
    if net.prefixlen == net.max_prefixlen:
        return str(net.network_address)
    return net.compressed


def address_error(value):
    """Why ``value`` is not an address or CIDR network ufw accepts, or None when it is fine."""
    if isinstance(value, bool) or not isinstance(value, str):
        return '%r is not a string address or CIDR network' % (value,)
    if value == 'any':
        return None
    try:
        parse_network(value)
    except ValueError:
        try:
            loose = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            return '%r is not an IP address or CIDR network (e.g. 192.168.0.0/16, 2001:db8::/32, any)' % (value,)
        return '%r has host bits set: did you mean %s?' % (value, loose.compressed)
    return None


def parse_port(value):
    """(low, high) for a port or range (int, 'N' or 'N:M'); raise ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError('a boolean is not a port')
    if isinstance(value, int):
        low = high = value
    else:
        match = PORT_RE.match(str(value))
        if not match:
            raise ValueError('not a port')
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        if match.group(2) is not None and low >= high:
            raise ValueError('empty range')
    if not (1 <= low <= 65535 and 1 <= high <= 65535):
        raise ValueError('out of range')
    return low, high


def port_error(value):
    try:
        parse_port(value)
    except ValueError:
        return '%r is not a port (1-65535) or a range N:M with N < M' % (value,)
    return None


def address_list_errors(values, name, ipv6=True):
    """Messages for every entry of a list of addresses/networks that ufw would not take."""
    if not isinstance(values, (list, tuple)):
        return ['%s must be a list of addresses or CIDR networks, got %r' % (name, values)]
    errors = []
    for index, value in enumerate(values):
        if value == 'any':
            errors.append("%s[%d]: 'any' is not a restriction; leave the list empty to allow every source" % (name, index))
            continue
        error = address_error(value)
        if error:
            errors.append('%s[%d]: %s' % (name, index, error))
        elif not ipv6 and parse_network(value).version == 6:
            errors.append('%s[%d]: %r is IPv6 but IPv6 filtering is off (ufw_baseline_ipv6: false)' % (name, index, value))
    return errors


def rule_errors(rules, name, ipv6=True, comment_prefix=''):
    """Messages for every problem in a list of rule specs; an empty list when all are fine."""
    room = COMMENT_MAX - (len(comment_prefix) + 1 if comment_prefix else 0)
    if not isinstance(rules, (list, tuple)):
        return ['%s must be a list of rules (dicts), got %r' % (name, rules)]
    errors = []
    for index, rule in enumerate(rules):
        where = '%s[%d]' % (name, index)
        if not isinstance(rule, dict):
            errors.append('%s: a rule must be a dict with port/proto/from/to/comment, got %r' % (where, rule))
            continue
        unknown = sorted(set(rule) - RULE_KEYS)
        if unknown:
            errors.append('%s: unknown key(s) %s (known: %s)' % (where, ', '.join(unknown), ', '.join(sorted(RULE_KEYS))))
        proto = rule.get('proto', 'tcp')
        if proto not in PROTOCOLS:
            errors.append('%s.proto: %r is not one of %s' % (where, proto, ', '.join(PROTOCOLS)))
        action = rule.get('rule', 'allow')
        if action not in RULE_ACTIONS:
            errors.append('%s.rule: %r is not one of %s' % (where, action, ', '.join(RULE_ACTIONS)))
        port = rule.get('port')
        if port is not None:
            error = port_error(port)
            if error:
                errors.append('%s.port: %s' % (where, error))
            elif ':' in str(port) and proto not in ('tcp', 'udp'):
                errors.append('%s.port: a port range (%s) needs proto tcp or udp' % (where, port))
        families = set()
        for key in ('from', 'to'):
            if key in rule:
                error = address_error(rule[key])
                if error:
                    errors.append('%s.%s: %s' % (where, key, error))
                elif rule[key] != 'any':
                    families.add(parse_network(rule[key]).version)
        if 6 in families and not ipv6:
            errors.append('%s: IPv6 address but IPv6 filtering is off (ufw_baseline_ipv6: false)' % where)
        if len(families) > 1:
            errors.append('%s: from and to mix IPv4 and IPv6' % where)
        if port is None and _is_any(rule.get('from')) and _is_any(rule.get('to')):
            errors.append('%s: a rule without port, from or to would allow all traffic; give at least one' % where)
        comment = rule.get('comment', '')
        if not isinstance(comment, str) or not COMMENT_RE.match(comment) or len(comment) > room:
            errors.append('%s.comment: %r must be text of at most %d characters (%d with the comment prefix) '
                          'without quotes or backslashes' % (where, comment, room, COMMENT_MAX))
        interface = rule.get('interface')
        if interface is not None and (not isinstance(interface, str) or not INTERFACE_RE.match(interface)):
            errors.append('%s.interface: %r is not an interface name' % (where, interface))
    return errors


def _match_key(params):
    """A rule's key without its action: two managed rules with the same one would replace each other."""
    key = rule_key(params)
    return key[:1] + key[2:]


def build_module_rules(rules, direction, comment_prefix, exclude=()):
    """community.general.ufw parameters for rule specs (already validated) in one direction.

    Rules that match the same traffic as a rule in ``exclude`` (whatever the action) are left out:
    ufw keeps one rule per match, so both would replace each other on every run.
    """
    excluded = set(_match_key(rule) for rule in exclude)
    built = []
    for rule in rules:
        proto = rule.get('proto', 'tcp')
        port = rule.get('port')
        label = rule.get('comment') or '%s %s/%s' % (direction, port if port is not None else 'all', proto)
        item = {
            'rule': rule.get('rule', 'allow'),
            'direction': direction,
            'from_ip': rule.get('from', 'any'),
            'to_ip': rule.get('to', 'any'),
            'comment': '%s %s' % (comment_prefix, label) if comment_prefix else label,
        }
        if proto != 'any':
            item['proto'] = proto
        if port is not None:
            item['to_port'] = str(port)
        if rule.get('interface'):
            item['interface'] = rule['interface']
        if _match_key(item) not in excluded:
            built.append(item)
    return built


def _source_covers(source, network):
    """True when a rule's address (any, an address or a network) holds every address of network."""
    if _is_any(source):
        return True
    outer = ipaddress.ip_network(str(source), strict=False)
    return outer.version == network.version and network.subnet_of(outer)


def lets_in(rule, port, source, server_address=None):
    """True when an inbound module rule lets TCP from every address of ``source`` to ``port`` in.

    ``source`` is an ip_network (a host is a /32 or /128). The rule's destination is checked only
    when ``server_address`` is given. First-match semantics aside: the role's rules never deny.
    """
    if rule.get('rule') not in RULE_ACTIONS or rule.get('direction') != 'in':
        return False
    if rule.get('interface'):
        return False  # the role cannot tell which interface a connection uses: not a proof
    if rule.get('proto', 'any') not in ('tcp', 'any'):
        return False
    if rule.get('to_port') not in (None, ''):
        low, high = parse_port(rule['to_port'])
        if not low <= int(port) <= high:
            return False
    if not _source_covers(rule.get('from_ip', 'any'), source):
        return False
    return server_address is None or _source_covers(rule.get('to_ip', 'any'), ipaddress.ip_network(server_address))


def refused_sources(sources, rules_in, ports, incoming_policy='deny'):
    """Which sources the inbound rules (module rules) refuse on some of ``ports`` (TCP).

    Returns [{'source': as written, 'ports': [refused ports]}] for the sources refused on any port;
    nothing is refused with the incoming policy allow.
    """
    if incoming_policy == 'allow':
        return []
    refused = []
    for source in sources:
        network = ipaddress.ip_network(str(source).strip(), strict=False)
        blocked = [int(port) for port in ports
                   if not any(lets_in(rule, port, network) for rule in rules_in)]
        if blocked:
            refused.append({'source': str(source), 'ports': blocked})
    return refused


def lockout_reason(rules_in, connection, incoming_policy, ipv6=True):
    """Why the inbound rules would cut the management connection, or '' when they keep it.

    With ``ipv6`` false, ufw drops every IPv6 packet (IPV6=no sets the ip6tables policies to DROP,
    whatever the incoming policy), so an IPv6 management connection is always cut.
    """
    if not connection:
        return ''
    if not ipv6 and ipaddress.ip_address(connection['address']).version == 6:
        return ('ufw_baseline refused to change anything: ufw_baseline_ipv6 is false, which makes ufw drop '
                'all IPv6 traffic (IPV6=no sets the ip6tables policies to DROP), and the management connection '
                'comes over IPv6 from %s to port %d/tcp, so enabling the firewall would lock you out. Keep '
                'ufw_baseline_ipv6: true (IPv6 is filtered by the same rules), or manage the host over IPv4.'
                % (connection['address'], connection['port']))
    if incoming_policy == 'allow':
        return ''
    client = ipaddress.ip_network(connection['address'])
    if any(lets_in(rule, connection['port'], client, connection['server_address']) for rule in rules_in):
        return ''
    return ('ufw_baseline refused to change anything: with incoming policy %r no inbound rule allows the '
            'management connection from %s to port %d/tcp, so enabling the firewall would lock you out. '
            'Add %s to ufw_baseline_ssh_sources, set ufw_baseline_allow_controller: true, or make '
            'ufw_baseline_ssh_port match the port Ansible connects to.'
            % (incoming_policy, connection['address'], connection['port'], connection['address']))


def _decode_comment(field):
    try:
        return binascii.unhexlify(field).decode('utf-8')
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return field


def parse_tuple(line):
    """One '### tuple ###' line as community.general.ufw parameters (plus 'comment'); None if not a tuple."""
    marker = '### tuple ###'
    if not line.startswith(marker):
        return None
    fields = line[len(marker):].split()
    comment = None
    if fields and fields[-1].startswith('comment='):
        comment = _decode_comment(fields.pop()[len('comment='):])
    if len(fields) == 7:
        action, proto, dport, dst, sport, src, where = fields
        dapp = sapp = '-'
    elif len(fields) == 9:
        action, proto, dport, dst, sport, src, dapp, sapp, where = fields
    else:
        raise ValueError('unexpected ufw tuple: %r' % line)
    params = {'route': False, 'log': False}
    if action.startswith('route:'):
        params['route'] = True
        action = action[len('route:'):]
    if '_' in action:
        action, log = action.split('_', 1)
        if log != 'log':
            raise ValueError("cannot express ufw '%s' rules with community.general.ufw: %r" % (log, line))
        params['log'] = True
    params['rule'] = action
    if sapp != '-':
        raise ValueError('cannot express a source-application ufw rule with community.general.ufw: %r' % line)
    if dapp != '-':
        params['name'] = dapp.replace('%20', ' ')
    elif proto != 'any':
        params['proto'] = proto
    if dapp == '-' and dport != 'any':
        params['to_port'] = dport
    if sport != 'any' and sapp == '-':
        params['from_port'] = sport
    params['from_ip'] = normalize_address(src)
    params['to_ip'] = normalize_address(dst)
    parts = where.split('!')
    if len(parts) == 2:
        params['interface_in'] = parts[0].split('_', 1)[1]
        params['interface_out'] = parts[1].split('_', 1)[1]
    else:
        direction, _sep, interface = parts[0].partition('_')
        params['direction'] = direction
        if interface:
            params['interface'] = interface
    params['comment'] = comment
    return params


def rule_key(params):
    """What identifies a rule for ufw (its comment aside)."""
    return (
        bool(params.get('route', False)),
        params.get('rule'),
        bool(params.get('log', False)),
        params.get('direction'),
        params.get('interface') or '',
        params.get('interface_in') or '',
        params.get('interface_out') or '',
        params.get('name') or '',
        params.get('proto') or 'any',
        normalize_address(params.get('from_ip', 'any')),
        str(params.get('from_port') or 'any'),
        normalize_address(params.get('to_ip', 'any')),
        str(params.get('to_port') or 'any'),
    )


def _parsed_tuples(tuple_lines):
    """(rule_key, parameters) of each tuple line ufw's files hold (text or lines); others skipped."""
    if isinstance(tuple_lines, str):
        tuple_lines = tuple_lines.splitlines()
    for line in tuple_lines:
        params = parse_tuple(line.strip())
        if params is not None:
            yield rule_key(params), params


def rules_to_purge(tuple_lines, desired_rules, keep_comment_prefixes=()):
    """Existing rules (from tuple lines) that are not desired, as parameters to delete them.

    Rules whose comment starts with one of keep_comment_prefixes stay (e.g. fail2ban's bans).
    A rule present for IPv4 and IPv6 ('any') is listed once: one delete removes both.
    """
    wanted = set(rule_key(rule) for rule in desired_rules)
    seen = set()
    purge = []
    for key, params in _parsed_tuples(tuple_lines):
        if key in wanted or key in seen:
            continue
        comment = params.get('comment') or ''
        if any(comment.startswith(prefix) for prefix in keep_comment_prefixes):
            continue
        seen.add(key)
        purge.append(dict((field, params.get(field)) for field in RULE_FIELDS))
    return purge


def existing_rules(tuple_lines):
    """Every rule in the tuple lines, one dict with every field (None when absent), IPv4/IPv6 pairs once."""
    seen = set()
    rules = []
    for key, params in _parsed_tuples(tuple_lines):
        if key in seen:
            continue
        seen.add(key)
        rules.append(dict((field, params.get(field)) for field in RULE_FIELDS))
    return rules


# What `ufw default`/`ufw logging` write to ufw's own files, for comparing them without calling ufw.
POLICY_WORDS = {'allow': 'ACCEPT', 'deny': 'DROP', 'reject': 'REJECT'}
POLICY_KEYS = {'incoming': 'DEFAULT_INPUT_POLICY', 'outgoing': 'DEFAULT_OUTPUT_POLICY',
               'routed': 'DEFAULT_FORWARD_POLICY'}
SETTING_KEYS = ('IPV6', 'LOGLEVEL') + tuple(POLICY_KEYS.values())


def _families(rule, ipv6):
    """The address families a module rule is stored in: both for 'any' (when IPv6 is on), else its own."""
    for key in ('from_ip', 'to_ip'):
        value = rule.get(key, 'any')
        if not _is_any(value):
            return {ipaddress.ip_network(str(value), strict=False).version}
    return {4, 6} if ipv6 else {4}


def read_host_state(lines):
    """Split ``grep -H`` output over ufw's rule and settings files into tuples per family and settings.

    Lines look like ``/etc/ufw/user6.rules:### tuple ### ...`` or ``/etc/default/ufw:IPV6=yes``.
    """
    if isinstance(lines, str):
        lines = lines.splitlines()
    tuples = {4: [], 6: []}
    settings = {}
    for line in lines:
        path, sep, text = line.partition(':')
        if not sep:
            continue
        text = text.strip()
        if text.startswith('### tuple ###'):
            tuples[6 if path.endswith('user6.rules') else 4].append(text)
            continue
        key, sep, value = text.partition('=')
        if sep and key in SETTING_KEYS:
            settings[key] = value.strip().strip('"').strip("'")
    return tuples, settings


def plan(lines, managed_rules, ipv6=True, purge=False, keep_comment_prefixes=()):
    """What the role must change, from one read of ufw's files (see read_host_state).

    Returns ``existing`` (every stored rule), ``missing`` (managed rules not stored with the same
    match and comment in every family they belong to: the ones to add), ``purge`` (stored rules
    that are not managed, when ``purge``) and ``settings`` (IPV6, LOGLEVEL and the three
    policies as ufw's files hold them).
    """
    tuples, settings = read_host_state(lines)
    stored = {4: set(), 6: set()}
    for family, family_lines in tuples.items():
        for line in family_lines:
            params = parse_tuple(line)
            stored[family].add((rule_key(params), params.get('comment') or ''))
    missing = [rule for rule in managed_rules
               if any((rule_key(rule), rule.get('comment') or '') not in stored[family]
                      for family in _families(rule, ipv6))]
    all_lines = tuples[4] + tuples[6]
    return {
        'existing': existing_rules(all_lines),
        'missing': missing,
        'purge': rules_to_purge(all_lines, managed_rules, keep_comment_prefixes) if purge else [],
        'settings': settings,
    }


def settings_to_change(settings, policies, logging):
    """The policy directions and the logging level whose stored value differs from the wanted one."""
    changes = {'policies': [], 'logging': False}
    for direction, policy in policies.items():
        if settings.get(POLICY_KEYS[direction]) != POLICY_WORDS[policy]:
            changes['policies'].append({'direction': direction, 'policy': policy})
    level = 'low' if logging == 'on' else logging
    changes['logging'] = settings.get('LOGLEVEL') != level
    return changes


# --- The planning step of the role ufw_baseline (fortress.nginx.ufw_plan) -------------------------

NAME = 'ufw_baseline_'
LISTS = ('allow_in', 'allow_in_extra', 'allow_out', 'allow_out_extra')
POLICY_DIRECTIONS = ('incoming', 'outgoing', 'routed')


def _setting_errors(cfg):
    """Every value the argument spec cannot check: rules, networks, ports, comments, interfaces."""
    ipv6 = bool(cfg.get('ipv6', True))
    prefix = cfg.get('comment_prefix', '')
    errors = []
    if not isinstance(prefix, str) or not COMMENT_RE.match(prefix) or len(prefix) > PREFIX_MAX:
        errors.append('%scomment_prefix: %r must be at most %d characters without quotes or backslashes'
                      % (NAME, prefix, PREFIX_MAX))
        prefix = ''
    for key in LISTS:
        errors.extend(rule_errors(cfg.get(key, []), NAME + key, ipv6, prefix))
    errors.extend(address_list_errors(cfg.get('ssh_sources', []), NAME + 'ssh_sources', ipv6))
    ssh_port = cfg.get('ssh_port', 22)
    if isinstance(ssh_port, bool) or not re.match(r'^[0-9]{1,5}$', str(ssh_port)) or not 1 <= int(ssh_port) <= 65535:
        errors.append('%sssh_port: %s is not a port (1-65535)' % (NAME, ssh_port))
    if cfg.get('docker', False):
        bad = [str(name) for name in cfg.get('docker_internal_interfaces', []) if not DOCKER_INTERFACE_RE.match(str(name))]
        if bad:
            errors.append('%sdocker_internal_interfaces: %s is not an interface name (letters, digits, _ . - and a '
                          'trailing + wildcard, at most 15 characters)' % (NAME, ', '.join(bad)))
    return errors


def _managed_rules(cfg, connection):
    """The controller's rule, the inbound rules (SSH first) and the outbound rules, as module rules."""
    prefix = cfg.get('comment_prefix', '')
    ipv6 = bool(cfg.get('ipv6', True))
    controller = []
    if cfg.get('allow_controller', False) and connection and (ipv6 or ':' not in connection['address']):
        controller = build_module_rules([{'port': connection['port'], 'proto': 'tcp', 'from': connection['address'],
                                          'comment': 'ansible controller'}], 'in', prefix)
    ssh = []
    if cfg.get('ssh_enabled', False):
        specs = [{'from': source, 'port': int(cfg.get('ssh_port', 22)), 'proto': 'tcp',
                  'rule': 'limit' if cfg.get('ssh_limit', False) else 'allow', 'comment': 'ssh'}
                 for source in (cfg.get('ssh_sources') or ['any'])]
        # An SSH rule from the controller's own address would replace the controller's allow rule.
        ssh = build_module_rules(specs, 'in', prefix, controller)
    allow_in = build_module_rules(list(cfg.get('allow_in', [])) + list(cfg.get('allow_in_extra', [])), 'in', prefix,
                                  controller + ssh)
    smtp = [{'port': 25, 'proto': 'tcp', 'comment': 'smtp out'}] if cfg.get('allow_out_smtp', False) else []
    rules_out = build_module_rules(list(cfg.get('allow_out', [])) + smtp + list(cfg.get('allow_out_extra', [])),
                                   'out', prefix)
    return controller, ssh + allow_in, rules_out


def _open_ssh_rules(existing, cfg):
    """Stored rules that open SSH to everyone, to delete once SSH is restricted to networks."""
    if not (cfg.get('ssh_enabled', False) and cfg.get('ssh_sources')):
        return []
    port = str(cfg.get('ssh_port', 22))
    return [rule for rule in existing
            if not rule['route'] and rule['direction'] == 'in' and rule['rule'] in RULE_ACTIONS
            and rule['from_ip'] == 'any' and rule['to_port'] == port and rule['proto'] in ('tcp', None)
            and not rule['interface']]


def plan_role(cfg, ssh_connection=None, stored=None):
    """Everything ufw_baseline decides, from its settings (role variables without the ``ufw_baseline_`` prefix).

    Without ``stored`` (before ufw is read): ``errors`` (every bad value, named; when there is one,
    nothing else is planned), ``connection``, ``lockout`` (why the rules would cut the management
    connection, or ''), ``rules`` (every managed rule), ``docker_rules`` (the DOCKER-USER block per
    after-rules file) and ``refused_sources`` (the ``check_sources`` the inbound allow-list refuses on
    some of ``check_ports``). With ``stored`` (the grep -H lines of ufw's files, see read_host_state)
    also ``add_first`` (the controller's rule, when missing), ``add`` (the other missing rules),
    ``delete`` (open SSH rules once SSH is restricted, and with ``purge`` the unmanaged rules),
    ``settings`` (ufw's stored settings) and ``changes`` (the policies and logging to set).
    """
    if not isinstance(cfg, dict):
        raise TypeError('the settings must be a dict, got %r' % (cfg,))
    connection = management_connection(ssh_connection)
    result = {'errors': _setting_errors(cfg), 'connection': connection, 'lockout': '', 'rules': [],
              'docker_rules': {'after.rules': [], 'after6.rules': []}, 'refused_sources': [],
              'add_first': [], 'add': [], 'delete': [], 'settings': {},
              'changes': {'policies': [], 'logging': False}}
    if result['errors']:
        return result
    ipv6 = bool(cfg.get('ipv6', True))
    incoming = cfg.get('policy_incoming', 'deny')
    controller, rules_in, rules_out = _managed_rules(cfg, connection)
    managed = controller + rules_in + rules_out
    allow_list = build_module_rules(list(cfg.get('allow_in', [])) + list(cfg.get('allow_in_extra', [])), 'in',
                                    cfg.get('comment_prefix', ''))
    log = cfg.get('logging', 'low') != 'off'
    interfaces = cfg.get('docker_internal_interfaces', [])
    result.update({
        'lockout': lockout_reason(controller + rules_in, connection, incoming, ipv6),
        'rules': managed,
        'docker_rules': {'after.rules': docker_user_lines(allow_list, 4, incoming, interfaces, log),
                         'after6.rules': docker_user_lines(allow_list, 6, incoming, interfaces, log)},
        'refused_sources': refused_sources(cfg.get('check_sources', []), allow_list, cfg.get('check_ports', []),
                                           incoming),
    })
    if stored is None:
        return result
    found = plan(stored, managed, ipv6, bool(cfg.get('purge', False)), cfg.get('purge_keep_comment_prefixes', []))
    delete = []
    for rule in _open_ssh_rules(found['existing'], cfg) + found['purge']:
        if rule not in delete:
            delete.append(rule)
    policies = dict((direction, cfg.get('policy_' + direction, 'deny')) for direction in POLICY_DIRECTIONS)
    result.update({
        'add_first': [rule for rule in controller if rule in found['missing']],
        'add': [rule for rule in rules_in + rules_out if rule in found['missing']],
        'delete': delete,
        'settings': found['settings'],
        'changes': settings_to_change(found['settings'], policies, cfg.get('logging', 'low')),
    })
    return result
