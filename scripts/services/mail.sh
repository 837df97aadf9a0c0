#!/usr/bin/env bash
# Real mail servers on loopback for the email channel tests (run as root; idempotent).
#
#   eval "$(bash scripts/services/mail.sh)"          # install if needed, start, export the test env vars
#   bash scripts/services/mail.sh --reset             # same, after wiping the test mailboxes
#   bash scripts/services/mail.sh --stop              # stop both servers
#
# What it runs, all bound to 127.0.0.1 and configured under $COMPTOIR_MAIL_DIR (default /tmp/comptoir-mail):
#   - Debian's Dovecot (dovecot-imapd + dovecot-lmtpd, installed with apt-get when missing): IMAP on
#     $COMPTOIR_MAIL_IMAP_PORT (10143, plain-text LOGIN allowed, IDLE advertised) and LMTP on
#     $COMPTOIR_MAIL_LMTP_PORT (10024); users from a passwd-file, Maildir storage owned by "nobody".
#   - An SMTP server (aiosmtpd, a pinned dev dependency) on $COMPTOIR_MAIL_SMTP_PORT (10025) that requires
#     AUTH PLAIN/LOGIN with the same users and relays every accepted message into Dovecot over LMTP, so a
#     message sent by SMTP really lands in the IMAP mailbox.
# Two mailboxes: care@comptoir.test (the brand's support mailbox) and customer@comptoir.test (a customer),
# both with the password $COMPTOIR_MAIL_PASSWORD (default comptoir-test-pw).
#
# stdout carries only `export NAME=value` lines; progress goes to stderr.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${COMPTOIR_MAIL_DIR:-/tmp/comptoir-mail}"
IMAP_PORT="${COMPTOIR_MAIL_IMAP_PORT:-10143}"
LMTP_PORT="${COMPTOIR_MAIL_LMTP_PORT:-10024}"
SMTP_PORT="${COMPTOIR_MAIL_SMTP_PORT:-10025}"
PASSWORD="${COMPTOIR_MAIL_PASSWORD:-comptoir-test-pw}"
DOMAIN="comptoir.test"
USERS=("care@$DOMAIN" "customer@$DOMAIN")
MODE="${1:-start}"

log() { echo "mail.sh: $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_servers() {
    if [ -f "$STATE/smtp.pid" ]; then
        local pid
        pid="$(cat "$STATE/smtp.pid")"
        # only our relay: never a process that happens to have reused the pid
        if grep -q smtp_relay.py "/proc/$pid/cmdline" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
        rm -f "$STATE/smtp.pid"
    fi
    if [ -f "$STATE/dovecot.conf" ] && [ -f "$STATE/run/master.pid" ]; then
        doveadm -c "$STATE/dovecot.conf" stop >/dev/null 2>&1 || true
    fi
    for _ in $(seq 1 50); do
        port_open "$IMAP_PORT" || port_open "$SMTP_PORT" || return 0
        sleep 0.1
    done
}

print_env() {
    cat <<EOF
export COMPTOIR_TEST_IMAP_HOST=127.0.0.1
export COMPTOIR_TEST_IMAP_PORT=$IMAP_PORT
export COMPTOIR_TEST_IMAP_USER=care@$DOMAIN
export COMPTOIR_TEST_IMAP_PASSWORD=$PASSWORD
export COMPTOIR_TEST_SMTP_HOST=127.0.0.1
export COMPTOIR_TEST_SMTP_PORT=$SMTP_PORT
export COMPTOIR_TEST_MAIL_CUSTOMER=customer@$DOMAIN
export COMPTOIR_TEST_MAIL_CUSTOMER_PASSWORD=$PASSWORD
EOF
}

case "$MODE" in
    --stop) stop_servers; log "stopped"; exit 0 ;;
    --reset) stop_servers; rm -rf "$STATE" ;;
    start) ;;
    *) echo "usage: $0 [--reset|--stop]" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
    echo "mail.sh must run as root (it installs Debian packages and starts Dovecot)" >&2
    exit 1
fi

# Already up, started by this very version of the script with the same settings? Then there is nothing
# to do (idempotent). Any change to this script or to the settings restarts the servers.
STAMP="$(cat "${BASH_SOURCE[0]}" <(echo "$STATE $IMAP_PORT $LMTP_PORT $SMTP_PORT $PASSWORD") | sha256sum | cut -c1-16)"
if port_open "$IMAP_PORT" && port_open "$SMTP_PORT" && [ "$(cat "$STATE/stamp" 2>/dev/null)" = "$STAMP" ]; then
    log "already running (IMAP $IMAP_PORT, SMTP $SMTP_PORT, state $STATE)"
    print_env
    exit 0
fi
stop_servers

# 1. Packages.
if ! command -v dovecot >/dev/null 2>&1 || [ ! -x /usr/lib/dovecot/imap ] || [ ! -x /usr/lib/dovecot/lmtp ]; then
    log "installing dovecot-imapd and dovecot-lmtpd"
    export DEBIAN_FRONTEND=noninteractive
    # Do not let the package start the system-wide Dovecot (ports 143/993): we run our own instance.
    policy_added=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        policy_added=1
    fi
    apt_rc=0
    { apt-get -o DPkg::Lock::Timeout=300 update -qq \
        && apt-get -o DPkg::Lock::Timeout=300 install -y -qq dovecot-imapd dovecot-lmtpd; } >&2 || apt_rc=$?
    if [ "$policy_added" -eq 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
    if [ "$apt_rc" -ne 0 ]; then
        echo "mail.sh: apt-get failed ($apt_rc) installing dovecot-imapd dovecot-lmtpd" >&2
        exit "$apt_rc"
    fi
fi
if [ ! -x "$ROOT/.venv/bin/python" ] || ! "$ROOT/.venv/bin/python" -c "import aiosmtpd" 2>/dev/null; then
    log "installing the Python dev dependencies (aiosmtpd)"
    bash "$ROOT/scripts/_venv.sh" dev >&2
    "$ROOT/.venv/bin/python" -c "import aiosmtpd" 2>/dev/null \
        || "$ROOT/.venv/bin/python" -m pip install --quiet -e "$ROOT[dev]" >&2
fi

# 2. Dovecot configuration of our own (nothing under /etc/dovecot is used or changed).
mkdir -p "$STATE/run" "$STATE/state" "$STATE/home"
chmod 755 "$STATE" "$STATE/home"
NOBODY_UID="$(id -u nobody)"
NOBODY_GID="$(id -g nobody)"
: > "$STATE/users"
for user in "${USERS[@]}"; do
    mkdir -p "$STATE/home/$user"
    echo "$user:{PLAIN}$PASSWORD:$NOBODY_UID:$NOBODY_GID::$STATE/home/$user::" >> "$STATE/users"
done
chown -R "$NOBODY_UID:$NOBODY_GID" "$STATE/home"
chmod 640 "$STATE/users"
chgrp dovecot "$STATE/users"

cat > "$STATE/dovecot.conf" <<EOF
# Generated by scripts/services/mail.sh: a throw-away Dovecot for tests, loopback only.
instance_name = comptoir-mail
base_dir = $STATE/run
state_dir = $STATE/state
protocols = imap lmtp
listen = 127.0.0.1
log_path = $STATE/dovecot.log
info_log_path = $STATE/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_privileged_group =
login_trusted_networks = 127.0.0.0/8
imap_idle_notify_interval = 1 secs
postmaster_address = postmaster@$DOMAIN
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $STATE/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $STATE/users
}
namespace inbox {
  inbox = yes
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP_PORT
  }
  unix_listener lmtp {
    mode = 0600
  }
}
service auth {
  unix_listener auth-userdb {
    mode = 0600
  }
}
EOF

log "starting Dovecot (IMAP 127.0.0.1:$IMAP_PORT, LMTP 127.0.0.1:$LMTP_PORT)"
dovecot -c "$STATE/dovecot.conf"

# 3. The SMTP front: aiosmtpd with AUTH, relaying into Dovecot's LMTP.
cat > "$STATE/smtp_relay.py" <<'EOF'
"""SMTP on loopback (aiosmtpd) that requires AUTH and relays each message into Dovecot's LMTP."""

import asyncio
import logging
import signal
import smtplib
import sys
import warnings

# Loopback test server: AUTH without TLS is intended; do not fill the log with the warning per session.
warnings.simplefilter("ignore")
logging.getLogger("mail.log").setLevel(logging.ERROR)

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

users_file, smtp_port, lmtp_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
users = {}
with open(users_file, encoding="utf-8") as handle:
    for line in handle:
        name, password = line.split(":")[:2]
        users[name] = password.removeprefix("{PLAIN}")


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and users.get(auth_data.login.decode()) == auth_data.password.decode()
    # handled=False: aiosmtpd then answers "535 5.7.8 Authentication credentials invalid" itself.
    return AuthResult(success=ok, handled=False)


class Relay:
    async def handle_DATA(self, server, session, envelope):
        def deliver():
            with smtplib.LMTP("127.0.0.1", lmtp_port, timeout=30) as lmtp:
                refused = lmtp.sendmail(envelope.mail_from, envelope.rcpt_tos, envelope.original_content)
                return refused

        try:
            refused = await asyncio.get_running_loop().run_in_executor(None, deliver)
        except smtplib.SMTPRecipientsRefused as exc:
            return "550 5.1.1 recipients refused: " + ", ".join(exc.recipients)
        except (OSError, smtplib.SMTPException) as exc:
            return f"451 4.3.0 local delivery failed: {exc}"
        if refused:
            return "250 2.0.0 delivered to some recipients only"
        return "250 2.0.0 delivered"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() not in users:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address.lower())
        return "250 2.1.5 OK"


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(
            Relay(),
            hostname="smtp.comptoir.test",
            authenticator=authenticate,
            auth_required=True,
            auth_require_tls=False,
        ),
        host="127.0.0.1",
        port=smtp_port,
    )
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with server:
        await stop.wait()


asyncio.run(main())
EOF
log "starting the SMTP front (127.0.0.1:$SMTP_PORT -> LMTP $LMTP_PORT)"
nohup "$ROOT/.venv/bin/python" "$STATE/smtp_relay.py" "$STATE/users" "$SMTP_PORT" "$LMTP_PORT" \
    >> "$STATE/smtp.log" 2>&1 < /dev/null &
echo $! > "$STATE/smtp.pid"
disown || true

for _ in $(seq 1 100); do
    if port_open "$IMAP_PORT" && port_open "$SMTP_PORT" && port_open "$LMTP_PORT"; then
        echo "$STAMP" > "$STATE/stamp"
        log "ready (logs: $STATE/dovecot.log, $STATE/smtp.log)"
        print_env
        exit 0
    fi
    sleep 0.1
done
echo "mail.sh: servers did not come up; see $STATE/dovecot.log and $STATE/smtp.log" >&2
tail -20 "$STATE/dovecot.log" "$STATE/smtp.log" >&2 || true
exit 1
