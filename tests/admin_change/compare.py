# SPDX-License-Identifier: BSD-3-Clause
# `vigilctl simulate` against real logins, and `vigilctl explain` against the
# audit records of those logins.  Run by tests/admin_change/run.sh inside its
# mount namespace (a private journald, a vigild of its own); not alone.
#
# For CASES cases drawn from a seeded RNG (user enrolled or not, or unknown
# to NSS; sshd with one of three keys from one of several addresses, some in
# the [network] deny range, some sharing a /24 or /64; sudo; an answer that
# is the right code, a wrong one or none; now and then an admin unlock, a
# forgotten device or source, a reload into shadow or learn mode or no_factor =
# allow and back), it runs `vigilctl simulate` and then the same login
# through pamtester on pam_wrapper, and compares the simulated verdict,
# score, signals and reason with the first decision record the real login
# wrote to the journal.  Then it runs `vigilctl explain` on the login id of
# the last decision record and compares outcome, reason, score and signals
# (and the verdict) with that record.  Each mismatch is printed with its
# case; the script exits 1 if there was any.
#
# TOTP seeds are read from the 0600 files of the test tree and never
# printed; codes are computed here (RFC 6238) and only piped to pamtester.
import base64
import hashlib
import hmac
import json
import os
import random
import struct
import subprocess
import sys
import time

env = os.environ
TMP = env["VT_TMP"]
CTL = env["VT_CTL"]
ADMIN = env["VT_ADMIN_SOCKET"]
CONF = env["VT_CONF"]
CONF_VARIANTS = {k: env["VT_CONF_" + k.upper()] for k in ("enforce", "shadow", "learn", "allow")}
PAMD = env["VT_PAMD"]
WINDOW = int(env.get("VT_TOTP_WINDOW", "10"))
SEED = int(env.get("VT_SEED", "8"))
CASES = int(env.get("VT_CASES", "300"))
KEYS = ["key1", "key2", "key3"]
ENROLLED = ["alice", "carol"]
SOURCES = ["192.0.2.10", "192.0.2.11", "198.51.100.7", "198.51.100.8", "203.0.113.5",
           "2001:db8::1", "2001:db8::2"]

rng = random.Random(SEED)
mismatches = []
last_step = {}  # user -> the absolute TOTP step last used (the watermark)


def totp(user, step):
    with open(os.path.join(TMP, "secrets", user + ".b32")) as f:
        secret = base64.b32decode(f.read().strip())
    mac = hmac.new(secret, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000)


def next_code(user):
    """A code above the watermark and within the window, or None."""
    now = int(time.time()) // 30
    step = max(last_step.get(user, now), now - WINDOW) + 1
    if step > now + WINDOW - 1:
        return None
    last_step[user] = step
    return totp(user, step)


def wrong_code(user):
    now = int(time.time()) // 30
    used = {totp(user, s) for s in range(now - WINDOW - 2, now + WINDOW + 3)}
    return next("%06d" % c for c in range(1000000) if "%06d" % c not in used)


def ctl(*args):
    return subprocess.run([CTL, "--admin-socket", ADMIN] + list(args), capture_output=True, text=True, errors="replace")


def parse_fields(out):
    d = {}
    for line in out.splitlines():
        if line and not line.startswith(" ") and ":" in line:
            k, v = line.split(":", 1)
            d[k.strip()] = v.strip()
    return d


def cursor():
    subprocess.run(["journalctl", "--sync"], capture_output=True)
    out = subprocess.run(["journalctl", "-n", "0", "--show-cursor", "-q"], capture_output=True, text=True, errors="replace").stdout
    for line in out.splitlines():
        if line.startswith("-- cursor: "):
            return line[len("-- cursor: "):]
    return None


journal_at = None  # the cursor of the last record read


def records_new(done, deadline=20.0):
    """vigild's records since the last read, polled until done(records) or
    the deadline (generous: under a loaded make -j, vigild's audit writer
    may hold records back or spill them for seconds; a login that never
    reaches vigild at all is caught after 10 cases instead).  Reading on from the last cursor (rather than asking for
    one before each login) halves the journalctl runs per case."""
    global journal_at
    end = time.time() + deadline
    recs = []
    while True:
        subprocess.run(["journalctl", "--sync"], capture_output=True)
        args = ["journalctl", "-o", "json", "--no-pager"] + (["--after-cursor=" + journal_at] if journal_at else [])
        out = subprocess.run(args, capture_output=True, text=True, errors="replace").stdout
        new = [json.loads(l) for l in out.splitlines() if l.strip()]
        if new:
            journal_at = new[-1]["__CURSOR"]
        recs += [r for r in new if r.get("SYSLOG_IDENTIFIER") == "vigild"]
        if done(recs) or time.time() > end:
            return recs
        time.sleep(0.02)


def decisions(recs):
    return [r for r in recs if r.get("VIGIL_EVENT") == "decision"]


def final_decision(recs):
    """The record that ends a login: allow or deny, not a verdict learn or
    shadow mode did not enforce."""
    last = None
    for r in decisions(recs):
        if r.get("VIGIL_DECISION") in ("allow", "deny") and r.get("VIGIL_ENFORCED") != "0":
            last = r
    return last


def login(user, service, rhost, key, answer):
    cmd = ["pamtester"]
    if service == "sshd":
        with open(os.path.join(TMP, "keys", key + ".pub")) as f:
            typ, blob = f.read().split()[:2]
        cmd += ["-I", "rhost=" + rhost, "-I", "tty=ssh", "-E", "SSH_AUTH_INFO_0=publickey %s %s" % (typ, blob)]
    cmd += [service, user, "authenticate", "acct_mgmt"]
    # A sanitizer build's module needs the ASan runtime loaded first.
    asan = os.environ.get("VIGIL_ASAN_PRELOAD", "")
    e = dict(env, LD_PRELOAD=(asan + " " if asan else "") + "libpam_wrapper.so", PAM_WRAPPER="1", PAM_WRAPPER_SERVICE_DIR=PAMD)
    p = subprocess.run(cmd, input=(answer + "\n") if answer else "", capture_output=True, text=True, errors="replace", env=e)
    return p.returncode


def norm_verdict(v):
    # An allow_no_factor is audited as "allow" (method no_factor).
    return "allow" if v == "allow_no_factor" else v


def mismatch(case, what, want, got):
    mismatches.append("case %d (%s): %s: simulate/explain %r, real %r" % (case["n"], case["desc"], what, want, got))


def admin_action(n):
    """Now and then, an admin change between logins (not compared)."""
    r = rng.random()
    user = rng.choice(ENROLLED + ["bob"])
    if r < 0.3:
        ctl("unlock", user)
    elif r < 0.5:
        ctl("unlock", "--source", rng.choice(SOURCES + ["uid=0"]))
    elif r < 0.7:
        fp = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", os.path.join(TMP, "keys", rng.choice(KEYS) + ".pub")],
                            capture_output=True, text=True, errors="replace").stdout.split()[1]
        ctl("device", "forget", "--user", user, fp)
    elif r < 0.85:
        ctl("source", "forget", "--user", user, rng.choice(SOURCES))
    else:
        mode = rng.choice(["enforce", "enforce", "shadow", "learn", "allow"])
        with open(CONF_VARIANTS[mode]) as f:
            text = f.read()
        with open(CONF, "w") as f:
            f.write(text)
        p = ctl("reload")
        if p.returncode != 0:
            mismatches.append("before case %d: reload into %s failed: %s" % (n, mode, p.stderr.strip()))


compared = explained = 0
kinds = {}
waived = {"shadow": 0, "learn": 0}  # verdicts a mode let in: printed, so a run shows it saw them
reasons = {}  # of the denials: the generator must reach each policy rule
journal_at = cursor()
t0 = time.time()


def run_case(n):
    global compared, explained
    if rng.random() < 0.08:
        admin_action(n)
    user = rng.choices(["alice", "carol", "bob", "nosuch"], [4, 3, 2, 1])[0]
    service = rng.choices(["sshd", "sudo"], [3, 1])[0]
    rhost = rng.choice(SOURCES) if service == "sshd" else ""
    key = rng.choices(KEYS, [5, 2, 1])[0] if service == "sshd" else ""
    args = ["simulate", "--user", user, "--service", service]
    if service == "sshd":
        args += ["--rhost", rhost, "--key", os.path.join(TMP, "keys", key + ".pub")]
    sim = ctl(*args)
    case = {"n": n, "desc": "%s %s %s %s" % (user, service, rhost or "-", key or "-")}
    if sim.returncode != 0:
        mismatch(case, "simulate exit", 0, sim.returncode)
        return
    s = parse_fields(sim.stdout)
    # "stepup (shadow mode: allowed)": the verdict is the first word.
    verdict = s.get("decision", "").split(" ")[0]
    answer, how = "", "none"
    if verdict == "stepup" and user in ENROLLED:
        pick = rng.random()
        if pick < 0.55:
            answer, how = next_code(user) or "", "code"
        elif pick < 0.85:
            answer, how = wrong_code(user), "wrong"
    case["desc"] += " answer=" + how
    # Read on from the previous case: its login ended with its final
    # decision record, and what came since (an admin change) is no
    # decision record.
    login(user, service, rhost, key, answer)
    recs = records_new(lambda rs: final_decision(rs) is not None)
    ds = decisions(recs)
    if not ds:
        mismatch(case, "decision record", "one", "none")
        return
    first = ds[0]
    compared += 1
    kinds[verdict] = kinds.get(verdict, 0) + 1
    if verdict == "deny":
        reasons[s.get("reason")] = reasons.get(s.get("reason"), 0) + 1
    if norm_verdict(verdict) != first.get("VIGIL_DECISION"):
        mismatch(case, "verdict", verdict, first.get("VIGIL_DECISION"))
    if ("(shadow mode" in s.get("decision", "")) != (first.get("VIGIL_SHADOW") == "1"):
        mismatch(case, "shadow", s.get("decision"), first.get("VIGIL_SHADOW"))
    for m in waived:
        if "(%s mode" % m in s.get("decision", ""):
            waived[m] += 1
    # Learn mode: the same verdict, let in, marked learn and not enforced.
    if ("(learn mode" in s.get("decision", "")) != (first.get("VIGIL_MODE") == "learn" and first.get("VIGIL_ENFORCED") == "0"):
        mismatch(case, "learn", s.get("decision"), (first.get("VIGIL_MODE"), first.get("VIGIL_ENFORCED")))
    if s.get("score") != first.get("VIGIL_SCORE"):
        mismatch(case, "score", s.get("score"), first.get("VIGIL_SCORE"))
    sig = s.get("signals")
    if (sig if sig != "-" else "") != first.get("VIGIL_SIGNALS", ""):
        mismatch(case, "signals", sig, first.get("VIGIL_SIGNALS"))
    # Every decision record names a reason: low_risk, grant, risk, fresh,
    # not_enrolled, or why it denied.
    if s.get("reason") != first.get("VIGIL_REASON"):
        mismatch(case, "reason", s.get("reason"), first.get("VIGIL_REASON"))

    # explain the login the final record names.
    fin = final_decision(recs)
    if not fin or not fin.get("VIGIL_LOGIN_ID"):
        return  # refused before a login was recorded (an unknown user)
    ex = ctl("explain", fin["VIGIL_LOGIN_ID"])
    if ex.returncode != 0:
        mismatch(case, "explain exit", 0, ex.returncode)
        return
    e = parse_fields(ex.stdout)
    explained += 1
    if e.get("outcome") != fin.get("VIGIL_DECISION"):
        mismatch(case, "explain outcome", e.get("outcome"), fin.get("VIGIL_DECISION"))
    if e.get("reason") != fin.get("VIGIL_REASON", "none"):
        mismatch(case, "explain reason", e.get("reason"), fin.get("VIGIL_REASON", "none"))
    if e.get("score") != fin.get("VIGIL_SCORE"):
        mismatch(case, "explain score", e.get("score"), fin.get("VIGIL_SCORE"))
    esig = e.get("signals")
    if (esig if esig != "-" else "") != fin.get("VIGIL_SIGNALS", ""):
        mismatch(case, "explain signals", esig, fin.get("VIGIL_SIGNALS"))
    if e.get("login") != fin["VIGIL_LOGIN_ID"] or e.get("user") != fin.get("VIGIL_USER"):
        mismatch(case, "explain login/user", (e.get("login"), e.get("user")),
                 (fin["VIGIL_LOGIN_ID"], fin.get("VIGIL_USER")))
    verdict = e.get("decision", "").split(" ")[0]
    if norm_verdict(verdict) != first.get("VIGIL_DECISION"):
        mismatch(case, "explain verdict", verdict, first.get("VIGIL_DECISION"))


for n in range(CASES):
    try:
        run_case(n)
    except Exception as ex:  # a broken case is a failure to report, not a crash
        mismatches.append("case %d: the comparison itself failed: %r" % (n, ex))
    # Logins that never reach vigild (pamtester cannot load the module)
    # each wait out records_new()'s deadline: stop at once, not after
    # CASES times that.
    if n >= 9 and compared == 0:
        print("not ok - 10 cases and no login reached vigild (see pamtester's output in the log)")
        sys.exit(1)


for m in mismatches[:40]:
    print("not ok - " + m)
print("# %d cases compared, %d explained, verdicts %s, denials %s, let in by a mode %s, %.1f s" %
      (compared, explained, json.dumps(kinds, sort_keys=True), json.dumps(reasons, sort_keys=True),
       json.dumps(waived, sort_keys=True), time.time() - t0))
if compared < CASES * 0.9:
    print("not ok - only %d of %d cases compared" % (compared, CASES))
    sys.exit(1)
# Enough of each kind, or the generator does not test what it claims.
for k in ("allow", "stepup", "deny"):
    if kinds.get(k, 0) < max(1, CASES // 25):
        print("not ok - only %d cases with verdict %s" % (kinds.get(k, 0), k))
        sys.exit(1)
sys.exit(1 if mismatches else 0)
