/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Vigil wire protocol, defined once for the module, the daemon and the
 * CLI: framing, message types, every field of every message, every size
 * limit, status and reason codes.  Nothing here trusts its input; the codec
 * in lib/proto.c enforces every limit named below.
 *
 * Framing (all integers big-endian):
 *
 *   u32 magic      VIGIL_PROTO_MAGIC
 *   u8  version    VIGIL_PROTO_VERSION
 *   u8  type       enum vigil_msg_type
 *   u16 flags      must be 0
 *   u32 request_id echoed by the reply
 *   u32 body_len   <= VIGIL_FRAME_BODY_MAX, checked before any allocation
 *   body           the message's fields, in the order of its struct below
 *
 * Field encodings: u8/u16/u32/u64 fixed width; a string is u16 length then
 * that many bytes, no NUL inside, bounded by the limit named at the field
 * (a base64 field holds only A-Z a-z 0-9 + / =); a list is u16 count
 * (bounded by VIGIL_LIST_MAX, or the limit named at the list) then that
 * many entries.
 * Every field is always present, so each message has exactly one encoding;
 * a body must be consumed exactly (trailing bytes are an error).
 */
#pragma once

#include <stdint.h>

#define VIGIL_PROTO_MAGIC 0x5647494cU /* "VGIL" */
/* 2: security keys, OpenSSH security keys and recovery codes (PROMPT,
 * RESULT and STATUS_REPORT grew fields; messages 11..19, 69..71). */
/* 3: sessions seen and ended, users suspended (messages 50..53, 110;
 * STATUS_REPORT and USER_LIST carry suspended; DECISION's reason may be
 * VIGIL_REASON_SUSPENDED). */
#define VIGIL_PROTO_VERSION     3
#define VIGIL_FRAME_HEADER_SIZE 16
#define VIGIL_FRAME_BODY_MAX    32768

/* String limits, in bytes, excluding the NUL the decoder appends. */
#define VIGIL_USER_MAX        255
#define VIGIL_SERVICE_MAX     63
#define VIGIL_RHOST_MAX       255
#define VIGIL_TTY_MAX         63
#define VIGIL_AUTH_INFO_MAX   8191
#define VIGIL_CONNECTION_MAX  127
#define VIGIL_ANSWER_MAX      127
#define VIGIL_LOGIN_ID_MAX    63
#define VIGIL_URI_MAX         511
#define VIGIL_SECRET_B32_MAX  127
#define VIGIL_FINGERPRINT_MAX 127
#define VIGIL_ADDR_MAX        63
#define VIGIL_LIST_MAX        32
/* A QR code rendered by the daemon as UTF-8 half blocks, lines split by \n. */
#define VIGIL_QR_MAX 16383
/* What an admin verb acts on: a factor kind, a fingerprint, an address or a
 * login id (each also bounded by its own limit above, checked by vigild). */
#define VIGIL_TARGET_MAX 127
/* A human explanation: the rule of an EXPLANATION, the error of a reload. */
#define VIGIL_RULE_MAX 255
/* A reason as decision records name it (VIGIL_REASON): "low_risk", ... */
#define VIGIL_REASON_NAME_MAX 31
#define VIGIL_MESSAGE_MAX     511

/* Security keys.  Binary values cross the socket as standard base64 (RFC
 * 4648, with padding): the module relays them without decoding. */
#define VIGIL_KEYS_MAX            8  /* security keys (fido2 and ssh-sk) per user */
#define VIGIL_KEY_NAME_MAX        63 /* a key's label, chosen by its user */
#define VIGIL_CHALLENGE_SIZE      32 /* bytes: used as the client data hash */
#define VIGIL_CHALLENGE_B64_MAX   44 /* base64 of VIGIL_CHALLENGE_SIZE bytes */
#define VIGIL_RP_ID_MAX           255
#define VIGIL_CRED_ID_SIZE_MAX    512  /* bytes of a FIDO2 credential id */
#define VIGIL_CRED_B64_MAX        684  /* base64 of VIGIL_CRED_ID_SIZE_MAX bytes */
#define VIGIL_USER_HANDLE_B64_MAX 88   /* base64 of a 64-byte user handle */
#define VIGIL_AUTHDATA_B64_MAX    2048 /* 1536 bytes of authenticator data, CBOR-wrapped as libfido2 returns it */
#define VIGIL_SIG_B64_MAX         512  /* 384 bytes: up to an RSA-3072 signature */
#define VIGIL_X5C_B64_MAX         6144 /* an attestation certificate (DER, 4608 bytes) */
#define VIGIL_FMT_MAX             31   /* "packed", "none" */
#define VIGIL_SSH_KEY_LINE_MAX    2047 /* an OpenSSH public key line */
#define VIGIL_KEY_ID_HASH_MAX     23   /* a hash prefix of a credential id, or the start of an ssh fingerprint */
#define VIGIL_RECOVERY_CODES      10   /* codes in a set */
#define VIGIL_RECOVERY_CODE_MAX   23   /* one code as shown ("xxxxx-xxxxx") */

/* Where the daemon listens unless told otherwise. */
#define VIGIL_DEFAULT_RUNTIME_DIR "/run/vigil"
#define VIGIL_PUBLIC_SOCKET_NAME  "vigild.sock" /* user self-service, world-connectable */
#define VIGIL_PAM_SOCKET_NAME     "pam.sock"    /* PAM callers: root only, served first */
#define VIGIL_ADMIN_SOCKET_NAME   "admin.sock"  /* root only: admin verbs */
#define VIGIL_DEFAULT_SOCKET      VIGIL_DEFAULT_RUNTIME_DIR "/" VIGIL_PUBLIC_SOCKET_NAME
#define VIGIL_DEFAULT_PAM_SOCKET  VIGIL_DEFAULT_RUNTIME_DIR "/" VIGIL_PAM_SOCKET_NAME
/* The PAM environment variable carrying the opaque login id between phases. */
#define VIGIL_LOGIN_ID_ENV "VIGIL_LOGIN_ID"

enum vigil_msg_type {
	/* Requests, public socket. */
	VIGIL_MSG_AUTH_BEGIN = 1,          /* root only: PAM auth */
	VIGIL_MSG_AUTH_STEP = 2,           /* answer to the last PROMPT */
	VIGIL_MSG_ACCOUNT_CHECK = 3,       /* root only: PAM account */
	VIGIL_MSG_SESSION_OPEN = 4,        /* root only */
	VIGIL_MSG_SESSION_CLOSE = 5,       /* root only */
	VIGIL_MSG_TOTP_ENROLL_BEGIN = 6,   /* a user, for itself */
	VIGIL_MSG_TOTP_ENROLL_CONFIRM = 7, /* a user, for itself */
	VIGIL_MSG_STATUS_QUERY = 8,        /* a user for itself; root any */
	/* Requests, admin socket only. */
	VIGIL_MSG_ADMIN_UNLOCK = 9,
	VIGIL_MSG_ADMIN_UNLOCK_SOURCE = 10, /* body: vigil_user_request, the source */
	/* Security keys and recovery codes (public socket); 11..19. */
	VIGIL_MSG_AUTH_ASSERTION = 11,    /* answer to a FIDO2 PROMPT: vigil_assertion */
	VIGIL_MSG_KEY_ENROLL_BEGIN = 12,  /* a user for itself, root for anyone: vigil_key_enroll_request */
	VIGIL_MSG_KEY_ENROLL_FINISH = 13, /* the attestation: vigil_attestation */
	VIGIL_MSG_KEY_ADD_SSH = 14,       /* vigil_ssh_key_request */
	VIGIL_MSG_KEY_LIST = 15,          /* vigil_user_request ("" = self) */
	VIGIL_MSG_KEY_RENAME = 16,        /* vigil_key_request: name, new_name */
	VIGIL_MSG_KEY_REMOVE = 17,        /* vigil_key_request: name */
	VIGIL_MSG_FACTOR_PROVE = 18,      /* vigil_user_request ("" = self): asks for a PROMPT */
	VIGIL_MSG_RECOVERY_GENERATE = 19, /* vigil_user_request ("" = self) */
	/* Read-only admin queries (admin socket, root only); 20..29.  A user's
	 * detail is STATUS_QUERY sent on the admin socket. */
	VIGIL_MSG_ADMIN_USERS = 20,   /* body: vigil_user_request, the page starts after this name */
	VIGIL_MSG_ADMIN_HISTORY = 21, /* body: vigil_history_request */
	VIGIL_MSG_ADMIN_DAEMON = 22,  /* no body */
	VIGIL_MSG_ADMIN_CONFIG = 23,  /* body: vigil_page_request */
	/* Requests that change state or analyse decisions (30..39). */
	VIGIL_MSG_ADMIN_FACTOR_REMOVE = 30, /* admin; vigil_admin_target: user, "totp" */
	VIGIL_MSG_ADMIN_DEVICE_FORGET = 31, /* admin; vigil_admin_target: user, fingerprint */
	VIGIL_MSG_ADMIN_SOURCE_FORGET = 32, /* admin; vigil_admin_target: user, address */
	VIGIL_MSG_ADMIN_EXPLAIN = 33,       /* admin; vigil_admin_target: "", login id */
	VIGIL_MSG_ADMIN_SIMULATE = 34,      /* admin; vigil_login_request, nothing written */
	VIGIL_MSG_ADMIN_RELOAD = 35,        /* admin; empty body */
	VIGIL_MSG_TOTP_REMOVE = 36,         /* a user, for itself; vigil_answer: a fresh code */
	/* Roll-out reports (admin socket, root only); 40..41. */
	VIGIL_MSG_ADMIN_REPORT = 40, /* body: vigil_report_request */
	/* Sessions: seeing and ending them, suspending users; 50..59.  LIST and
	 * END on the public socket (a user for its own sessions) and the admin
	 * socket (root: anyone's); SUSPEND and RESUME on the admin socket. */
	VIGIL_MSG_SESSION_LIST = 50,       /* vigil_session_list_request; SESSION_LIST_REPLY */
	VIGIL_MSG_SESSION_END = 51,        /* vigil_session_end_request; RESULT (remaining: sessions ended) */
	VIGIL_MSG_ADMIN_USER_SUSPEND = 52, /* admin; vigil_user_request; RESULT (remaining: sessions ended) */
	VIGIL_MSG_ADMIN_USER_RESUME = 53,  /* admin; vigil_user_request; RESULT */
	/* Replies. */
	VIGIL_MSG_DECISION = 64,
	VIGIL_MSG_PROMPT = 65,
	VIGIL_MSG_RESULT = 66,
	VIGIL_MSG_ENROLL_PENDING = 67,
	VIGIL_MSG_STATUS_REPORT = 68,
	VIGIL_MSG_KEY_CHALLENGE = 69,  /* to KEY_ENROLL_BEGIN: vigil_key_challenge */
	VIGIL_MSG_KEY_LIST_REPLY = 70, /* to KEY_LIST: vigil_key_list */
	VIGIL_MSG_RECOVERY_CODES = 71, /* to RECOVERY_GENERATE: vigil_recovery_codes (secrets) */
	/* Replies to the read-only admin queries; 80..89. */
	VIGIL_MSG_USER_LIST = 80,
	VIGIL_MSG_HISTORY_PAGE = 81,
	VIGIL_MSG_DAEMON_REPORT = 82,
	VIGIL_MSG_CONFIG_PAGE = 83,
	/* Replies to the requests 30..39 (90..99). */
	VIGIL_MSG_EXPLANATION = 90,   /* to ADMIN_EXPLAIN and ADMIN_SIMULATE */
	VIGIL_MSG_RELOAD_RESULT = 91, /* to ADMIN_RELOAD */
	/* Replies to the requests 40..41 (100..101). */
	VIGIL_MSG_ROLLOUT_REPORT = 100, /* to ADMIN_REPORT */
	/* Replies to the requests 50..59 (110..119). */
	VIGIL_MSG_SESSION_LIST_REPLY = 110, /* to SESSION_LIST: vigil_session_list */
};
/* The ranges type checks accept; each new type goes inside one. */
#define VIGIL_MSG_REQUEST_LAST     VIGIL_MSG_RECOVERY_GENERATE
#define VIGIL_MSG_QUERY_FIRST      VIGIL_MSG_ADMIN_USERS
#define VIGIL_MSG_QUERY_LAST       VIGIL_MSG_ADMIN_CONFIG
#define VIGIL_MSG_REPLY_LAST       VIGIL_MSG_RECOVERY_CODES
#define VIGIL_MSG_QUERY_REPLY_LAST VIGIL_MSG_CONFIG_PAGE
/* The state-changing and analysis verbs: requests 30..39, replies 90..99. */
#define VIGIL_MSG_CHANGE_FIRST       VIGIL_MSG_ADMIN_FACTOR_REMOVE
#define VIGIL_MSG_CHANGE_LAST        VIGIL_MSG_TOTP_REMOVE
#define VIGIL_MSG_CHANGE_REPLY_FIRST VIGIL_MSG_EXPLANATION
#define VIGIL_MSG_CHANGE_REPLY_LAST  VIGIL_MSG_RELOAD_RESULT
/* Roll-out reports: requests 40..41, replies 100..101. */
#define VIGIL_MSG_REPORT_FIRST       VIGIL_MSG_ADMIN_REPORT
#define VIGIL_MSG_REPORT_LAST        VIGIL_MSG_ADMIN_REPORT
#define VIGIL_MSG_REPORT_REPLY_FIRST VIGIL_MSG_ROLLOUT_REPORT
#define VIGIL_MSG_REPORT_REPLY_LAST  VIGIL_MSG_ROLLOUT_REPORT
/* Sessions and suspension: requests 50..59, replies 110..119. */
#define VIGIL_MSG_SESSION_FIRST       VIGIL_MSG_SESSION_LIST
#define VIGIL_MSG_SESSION_LAST        VIGIL_MSG_ADMIN_USER_RESUME
#define VIGIL_MSG_SESSION_REPLY_FIRST VIGIL_MSG_SESSION_LIST_REPLY
#define VIGIL_MSG_SESSION_REPLY_LAST  VIGIL_MSG_SESSION_LIST_REPLY

enum vigil_outcome {
	VIGIL_OUTCOME_ALLOW = 1,
	VIGIL_OUTCOME_DENY = 2,
};

/* Why a DECISION denied (or, with ALLOW, NONE).  The module renders text. */
enum vigil_reason {
	VIGIL_REASON_NONE = 0,
	VIGIL_REASON_RISK = 1,              /* score at or above the deny threshold */
	VIGIL_REASON_STEPUP_FAILED = 2,     /* wrong, replayed or missing code */
	VIGIL_REASON_LOCKED = 3,            /* too many failures: locked for a while */
	VIGIL_REASON_NOT_ENROLLED = 4,      /* must step up, has no factor */
	VIGIL_REASON_NETWORK = 5,           /* source on the deny list / not allowed */
	VIGIL_REASON_STEPUP_NOT_DONE = 6,   /* account phase: auth never stepped up */
	VIGIL_REASON_PERMISSION = 7,        /* caller may not ask this */
	VIGIL_REASON_INTERNAL = 8,          /* daemon-side failure */
	VIGIL_REASON_UNKNOWN_LOGIN = 9,     /* login id not known or expired */
	VIGIL_REASON_SESSION_LIMIT = 10,    /* too many concurrent sessions */
	VIGIL_REASON_REPLAY = 11,           /* the code was just used: not a guess, not counted */
	VIGIL_REASON_NO_ANSWER = 12,        /* nothing was typed: not a guess, not counted */
	VIGIL_REASON_UNKNOWN_USER = 13,     /* NSS does not know the user */
	VIGIL_REASON_SOURCE_LOCKED = 14,    /* the source (address, or local caller) is locked */
	VIGIL_REASON_NO_USABLE_FACTOR = 15, /* has factors, none the policy accepts here (a key
	                                       on a remote login, TOTP in the strong band) */
	VIGIL_REASON_KEY_NOT_USED = 16,     /* no security key answered (none, timeout, PIN):
	                                       not a guess, not counted */
	VIGIL_REASON_SUSPENDED = 17,        /* the account is suspended by an admin */
	VIGIL_REASON_MAX_
};

/* Risk signals, a bit each; a decision carries the set that fired. */
enum vigil_signal {
	VIGIL_SIGNAL_NEW_DEVICE = 1U << 0,
	VIGIL_SIGNAL_NEW_SOURCE = 1U << 1,
	VIGIL_SIGNAL_NEW_PREFIX = 1U << 2,
	VIGIL_SIGNAL_STALE_ACCOUNT = 1U << 3,
	VIGIL_SIGNAL_STALE_DEVICE = 1U << 4,
	VIGIL_SIGNAL_USER_FAILURES = 1U << 5,
	VIGIL_SIGNAL_SOURCE_FAILURES = 1U << 6,
	VIGIL_SIGNAL_PRIVILEGED = 1U << 7,
};
#define VIGIL_SIGNAL_COUNT 8

enum vigil_prompt_kind {
	VIGIL_PROMPT_TOTP = 1,        /* ask for a code: TOTP and/or recovery, as methods says */
	VIGIL_PROMPT_ENROLL_TOTP = 2, /* show uri+secret, ask for the first code */
	VIGIL_PROMPT_FIDO2 = 3,       /* touch a security key: fido2 fields; answered by AUTH_ASSERTION */
};

/* Why the daemon prompts; the module turns it into an info line. */
enum vigil_prompt_why {
	VIGIL_WHY_RISK = 0,     /* score in the step-up band */
	VIGIL_WHY_FRESH = 1,    /* privileged service, no fresh step-up */
	VIGIL_WHY_RETRY = 2,    /* previous code was wrong */
	VIGIL_WHY_ENROLL = 3,   /* in-band enrollment (trust on first use) */
	VIGIL_WHY_REPLAY = 4,   /* previous code was just used: wait for the next */
	VIGIL_WHY_FALLBACK = 5, /* the security key was not used: a code instead */
	VIGIL_WHY_PROOF = 6,    /* vigilctl: prove a factor before changing factors */
	VIGIL_WHY_MAX_
};

/* RESULT status codes (never negative on the wire). */
enum vigil_status {
	VIGIL_STATUS_OK = 0,
	VIGIL_STATUS_DENIED = 1,
	VIGIL_STATUS_BAD_CODE = 2,
	VIGIL_STATUS_NOT_ENROLLED = 3,
	VIGIL_STATUS_ALREADY_ENROLLED = 4,
	VIGIL_STATUS_NO_PENDING = 5,
	VIGIL_STATUS_LOCKED = 6,
	VIGIL_STATUS_PERMISSION = 7,
	VIGIL_STATUS_SESSION_LIMIT = 8,
	VIGIL_STATUS_UNKNOWN_LOGIN = 9,
	VIGIL_STATUS_PROTOCOL = 10,
	VIGIL_STATUS_INTERNAL = 11,
	VIGIL_STATUS_UNKNOWN_USER = 12,   /* NSS knows no such account */
	VIGIL_STATUS_NOT_FOUND = 13,      /* nothing matches: a user not locked, a source without failures */
	VIGIL_STATUS_PROOF_REQUIRED = 14, /* changing factors needs a fresh proof of one (FACTOR_PROVE) */
	VIGIL_STATUS_EXISTS = 15,         /* a key with this name or credential is enrolled already */
	VIGIL_STATUS_BAD_KEY = 16,        /* the key or attestation is refused (RESULT.message says why) */
	VIGIL_STATUS_LAST_FACTOR = 17,    /* refused: it is the user's last factor */
	VIGIL_STATUS_LIMIT = 18,          /* VIGIL_KEYS_MAX keys already; too many recovery sets a minute */
	VIGIL_STATUS_MAX_
};

/* What the policy made of a login (EXPLANATION): the verdict before any
 * step-up was answered.  UNKNOWN: recorded before vigild kept it. */
enum vigil_verdict {
	VIGIL_VERDICT_UNKNOWN = 0,
	VIGIL_VERDICT_ALLOW = 1,
	VIGIL_VERDICT_STEPUP = 2,
	VIGIL_VERDICT_DENY = 3,
	VIGIL_VERDICT_ENROLL = 4,          /* step up by in-band enrollment */
	VIGIL_VERDICT_ALLOW_NO_FACTOR = 5, /* owed a step-up, has no factor, no_factor=allow */
	VIGIL_VERDICT_MAX_
};

/* Roll-out modes (vigil.conf(5) mode): what a verdict does to the login.
 * Also the store's logins.shadow and EXPLANATION's shadow (there 0 also
 * when the verdict was an allow, which no mode changes). */
enum vigil_mode {
	VIGIL_MODE_ENFORCE = 0, /* the verdict stands (the default) */
	VIGIL_MODE_SHADOW = 1,  /* allowed; learns only what enforcement would have learned */
	VIGIL_MODE_LEARN = 2,   /* allowed; learns device, source and prefix of every login */
	VIGIL_MODE_MAX_
};

/* What enforcement would have done with a login shadow or learn mode
 * allowed. */
enum vigil_shadow {
	VIGIL_SHADOW_NONE = 0,         /* enforced: the decision is what happened */
	VIGIL_SHADOW_STEPUP = 1,       /* allowed by shadow mode; would have needed a step-up */
	VIGIL_SHADOW_DENY = 2,         /* allowed by shadow mode; would have been denied */
	VIGIL_SHADOW_LEARN_STEPUP = 3, /* allowed (and learned from) by learn mode; would have stepped up */
	VIGIL_SHADOW_LEARN_DENY = 4,   /* allowed (and learned from) by learn mode; would have been denied */
	VIGIL_SHADOW_MAX_
};

/* ADMIN_HISTORY: which decisions to list. */
enum vigil_history_filter {
	VIGIL_HISTORY_ANY = 0,
	VIGIL_HISTORY_ALLOW = 1,  /* allowed (shadow ones included) */
	VIGIL_HISTORY_DENY = 2,   /* denied */
	VIGIL_HISTORY_SHADOW = 3, /* allowed only because of shadow mode */
	VIGIL_HISTORY_LEARN = 4,  /* allowed only because of learn mode */
	VIGIL_HISTORY_FILTER_MAX_
};

/* Admin query limits. */
#define VIGIL_VERSION_MAX      31
#define VIGIL_CONF_SECTION_MAX 71 /* "service." and a service name */
#define VIGIL_CONF_KEY_MAX     31
#define VIGIL_CONF_VALUE_MAX   127
#define VIGIL_CONF_FILE_MAX    255 /* a longer path is sent as its last bytes */

/* Factor kinds, also the step-up methods a policy names (vigil.conf(5)
 * methods) and the bits of vigil_prompt.methods (1 << kind). */
enum vigil_factor_type {
	VIGIL_FACTOR_TOTP = 1,
	VIGIL_FACTOR_FIDO2 = 2,    /* a security key touched on this host */
	VIGIL_FACTOR_SSH_SK = 3,   /* an OpenSSH security key that logged in over ssh */
	VIGIL_FACTOR_RECOVERY = 4, /* a single-use recovery code */
	VIGIL_FACTOR_MAX_
};
#define VIGIL_METHOD_BIT(kind) (1U << (kind))

/* AUTH_ASSERTION: how the touch went (the helper's status). */
enum vigil_fido2_status {
	VIGIL_FIDO2_OK = 0,
	VIGIL_FIDO2_NO_DEVICE = 1,
	VIGIL_FIDO2_TIMEOUT = 2,
	VIGIL_FIDO2_PIN_REQUIRED = 3,
	VIGIL_FIDO2_PIN_INVALID = 4,
	VIGIL_FIDO2_PIN_BLOCKED = 5,
	VIGIL_FIDO2_NO_CREDENTIAL = 6, /* the key holds none of the allowed credentials */
	VIGIL_FIDO2_UV_UNSUPPORTED = 7,
	VIGIL_FIDO2_CANCELLED = 8,
	VIGIL_FIDO2_INTERNAL = 9,
	VIGIL_FIDO2_DECLINED = 10, /* the user asked for another method */
	VIGIL_FIDO2_STATUS_MAX_
};

/* ---- Requests ---- */

/* AUTH_BEGIN and ACCOUNT_CHECK share one body. */
struct vigil_login_request {
	char user[VIGIL_USER_MAX + 1];
	char service[VIGIL_SERVICE_MAX + 1];
	char rhost[VIGIL_RHOST_MAX + 1];
	char tty[VIGIL_TTY_MAX + 1];
	char ruser[VIGIL_USER_MAX + 1];
	uint32_t pid; /* informational: the daemon uses SO_PEERCRED */
	char ssh_auth_info[VIGIL_AUTH_INFO_MAX + 1];
	char ssh_connection[VIGIL_CONNECTION_MAX + 1];
	char login_id[VIGIL_LOGIN_ID_MAX + 1]; /* empty in AUTH_BEGIN if none */
};

/* AUTH_STEP and TOTP_ENROLL_CONFIRM: a secret, wiped by whoever holds it. */
struct vigil_answer {
	char answer[VIGIL_ANSWER_MAX + 1];
};

struct vigil_session_request {
	char user[VIGIL_USER_MAX + 1];
	char service[VIGIL_SERVICE_MAX + 1];
	char rhost[VIGIL_RHOST_MAX + 1];
	char tty[VIGIL_TTY_MAX + 1];
	uint32_t pid;
	/* SESSION_OPEN: the login id; SESSION_CLOSE: the session id the open
	 * returned (kept by the module in its PAM handle, never read back from
	 * the PAM environment, which the user can influence). */
	char login_id[VIGIL_LOGIN_ID_MAX + 1];
};

/* STATUS_QUERY, ADMIN_UNLOCK, TOTP_ENROLL_BEGIN: a user name; empty = self.
 * ADMIN_UNLOCK_SOURCE: a source (an address, or "uid=N" for a local caller). */
struct vigil_user_request {
	char user[VIGIL_USER_MAX + 1];
};

/* The admin verbs that act on one thing of one user (ADMIN_FACTOR_REMOVE,
 * ADMIN_DEVICE_FORGET, ADMIN_SOURCE_FORGET), and ADMIN_EXPLAIN (user "",
 * target the login id). */
struct vigil_admin_target {
	char user[VIGIL_USER_MAX + 1];
	char target[VIGIL_TARGET_MAX + 1];
};

/* ADMIN_HISTORY: newest first; a page holds at most VIGIL_LIST_MAX logins
 * older than the cursor (before_time, before_id), which is the last login
 * of the previous page (before_id "" for the first page). */
struct vigil_history_request {
	char user[VIGIL_USER_MAX + 1];       /* "" = every user */
	char service[VIGIL_SERVICE_MAX + 1]; /* "" = every service */
	uint8_t decision;                    /* enum vigil_history_filter */
	uint64_t since;                      /* logins at or after this time; 0 = all */
	uint64_t before_time;
	char before_id[VIGIL_LOGIN_ID_MAX + 1];
};

/* SESSION_LIST: open sessions by id, a page of at most VIGIL_LIST_MAX
 * after after_id ("" for the first page).  user "": every session the
 * caller may see (a user: its own; root: everyone's); a name: that user's
 * (a user may name only itself). */
struct vigil_session_list_request {
	char user[VIGIL_USER_MAX + 1];
	char after_id[VIGIL_LOGIN_ID_MAX + 1];
};

/* SESSION_END: exactly one of id (one session) and user (every open
 * session of that user: admin only) is non-empty. */
struct vigil_session_end_request {
	char id[VIGIL_LOGIN_ID_MAX + 1];
	char user[VIGIL_USER_MAX + 1];
};

/* ADMIN_CONFIG: the entries from offset on. */
struct vigil_page_request {
	uint16_t offset;
};

/* AUTH_ASSERTION (and, for FACTOR_PROVE, on the public socket). */
struct vigil_assertion {
	uint8_t status; /* enum vigil_fido2_status; the fields below only with OK */
	char cred_id[VIGIL_CRED_B64_MAX + 1];
	char authdata[VIGIL_AUTHDATA_B64_MAX + 1];
	char sig[VIGIL_SIG_B64_MAX + 1];
};

/* KEY_ENROLL_BEGIN: user "" = self (root may name anyone). */
struct vigil_key_enroll_request {
	char user[VIGIL_USER_MAX + 1];
	char name[VIGIL_KEY_NAME_MAX + 1]; /* "" = the daemon picks "key-N" */
	uint8_t uv;                        /* require user verification (PIN) for this key */
	uint8_t resident;                  /* make a discoverable credential */
};

/* KEY_ENROLL_FINISH: what MakeCredential returned. */
struct vigil_attestation {
	char fmt[VIGIL_FMT_MAX + 1];
	char authdata[VIGIL_AUTHDATA_B64_MAX + 1];
	char x5c[VIGIL_X5C_B64_MAX + 1]; /* "" for self attestation and none */
	char sig[VIGIL_SIG_B64_MAX + 1]; /* "" for none */
};

/* KEY_ADD_SSH. */
struct vigil_ssh_key_request {
	char user[VIGIL_USER_MAX + 1];
	char name[VIGIL_KEY_NAME_MAX + 1]; /* "" = the key's comment, or "ssh-key-N" */
	char line[VIGIL_SSH_KEY_LINE_MAX + 1];
};

/* KEY_RENAME, KEY_REMOVE. */
struct vigil_key_request {
	char user[VIGIL_USER_MAX + 1];
	char name[VIGIL_KEY_NAME_MAX + 1];
	char new_name[VIGIL_KEY_NAME_MAX + 1]; /* KEY_RENAME only; "" otherwise */
};

/* ---- Replies ---- */

/* One allowed or excluded credential id (base64). */
struct vigil_cred_ref {
	char id[VIGIL_CRED_B64_MAX + 1];
};

struct vigil_decision {
	uint8_t outcome; /* enum vigil_outcome */
	uint16_t reason; /* enum vigil_reason */
	uint32_t score;
	uint32_t signals; /* enum vigil_signal bits */
	char login_id[VIGIL_LOGIN_ID_MAX + 1];
	/* 1: the step-up was answered with a recovery code, and the user has
	 * recovery_left unused ones now (the module tells the user). */
	uint8_t recovery_used;
	uint16_t recovery_left;
};

struct vigil_prompt {
	uint8_t kind;          /* enum vigil_prompt_kind */
	uint8_t why;           /* enum vigil_prompt_why */
	uint8_t digits;        /* code length the daemon expects */
	uint8_t attempts_left; /* before the lockout */
	uint32_t signals;      /* what made this login risky */
	/* ENROLL_TOTP only (empty otherwise): a secret, wiped after use. */
	char uri[VIGIL_URI_MAX + 1];
	char secret_b32[VIGIL_SECRET_B32_MAX + 1];
	char qr[VIGIL_QR_MAX + 1]; /* the uri as a QR code */
	/* What the user may answer with in this conversation (VIGIL_METHOD_BIT
	 * of each vigil_factor_type): for a FIDO2 prompt, the bits of TOTP or
	 * RECOVERY mean the user may decline the touch for a code. */
	uint8_t methods;
	/* FIDO2 only (empty otherwise). */
	char rp_id[VIGIL_RP_ID_MAX + 1];
	char challenge[VIGIL_CHALLENGE_B64_MAX + 1];
	uint8_t uv;       /* user verification required */
	uint16_t timeout; /* seconds to wait for a touch */
	uint16_t n_creds; /* <= VIGIL_KEYS_MAX */
	struct vigil_cred_ref creds[VIGIL_KEYS_MAX];
};

struct vigil_result {
	uint16_t status;                 /* enum vigil_status */
	char id[VIGIL_LOGIN_ID_MAX + 1]; /* session id, or empty */
	/* Why, in words, where a status alone would not say (BAD_KEY: what is
	 * wrong with the key); "" otherwise.  Never a secret. */
	char message[VIGIL_MESSAGE_MAX + 1];
	/* Recovery codes the user has left after this (a recovery step-up or
	 * proof); SESSION_END, ADMIN_USER_SUSPEND: the sessions ended; 0
	 * otherwise. */
	uint16_t remaining;
};

/* KEY_CHALLENGE: what MakeCredential needs (the challenge is single use,
 * bound to this connection, and expires). */
struct vigil_key_challenge {
	char rp_id[VIGIL_RP_ID_MAX + 1];
	char user[VIGIL_USER_MAX + 1];                   /* the user's name */
	char user_handle[VIGIL_USER_HANDLE_B64_MAX + 1]; /* stable, opaque, per user */
	char challenge[VIGIL_CHALLENGE_B64_MAX + 1];
	uint8_t uv;
	uint8_t resident;
	uint16_t timeout;   /* seconds */
	uint16_t n_exclude; /* the user's enrolled credentials: not again */
	struct vigil_cred_ref exclude[VIGIL_KEYS_MAX];
};

/* KEY_LIST_REPLY. */
struct vigil_key_info {
	uint8_t type; /* VIGIL_FACTOR_FIDO2 or VIGIL_FACTOR_SSH_SK */
	char name[VIGIL_KEY_NAME_MAX + 1];
	char id_hash[VIGIL_KEY_ID_HASH_MAX + 1]; /* a hash prefix of the credential id / the ssh fingerprint */
	uint64_t created;
	uint64_t last_used;  /* 0 = never */
	uint32_t sign_count; /* fido2 */
	uint32_t flags;      /* VIGIL_KEY_FLAG_* */
};
#define VIGIL_KEY_FLAG_UV           (1U << 0)
#define VIGIL_KEY_FLAG_RESIDENT     (1U << 1)
#define VIGIL_KEY_FLAG_ZERO_COUNTER (1U << 2)
#define VIGIL_KEY_FLAG_CLONED       (1U << 3)
#define VIGIL_KEY_FLAGS_MASK        0xfU
struct vigil_key_list {
	char user[VIGIL_USER_MAX + 1];
	uint16_t n_keys;
	struct vigil_key_info keys[VIGIL_KEYS_MAX];
	uint16_t recovery_left; /* unused recovery codes */
};

/* RECOVERY_CODES: shown once; secrets, wiped after use. */
struct vigil_recovery_codes {
	uint16_t n_codes; /* VIGIL_RECOVERY_CODES */
	struct {
		char code[VIGIL_RECOVERY_CODE_MAX + 1];
	} codes[VIGIL_RECOVERY_CODES];
};

/* A secret: wiped after use. */
struct vigil_enroll_pending {
	uint8_t digits;
	uint16_t period;
	char uri[VIGIL_URI_MAX + 1];
	char secret_b32[VIGIL_SECRET_B32_MAX + 1];
	char qr[VIGIL_QR_MAX + 1]; /* the uri as a QR code */
};

struct vigil_factor_info {
	uint8_t type; /* enum vigil_factor_type */
	uint64_t created;
	uint64_t last_used;                /* 0 = never */
	char name[VIGIL_KEY_NAME_MAX + 1]; /* a key's name; "" for totp and recovery */
	uint16_t remaining;                /* recovery: unused codes; 0 otherwise */
};

struct vigil_device_info {
	char fingerprint[VIGIL_FINGERPRINT_MAX + 1];
	uint64_t first_seen;
	uint64_t last_seen;
};

struct vigil_source_info {
	char addr[VIGIL_ADDR_MAX + 1];
	uint64_t first_seen;
	uint64_t last_seen;
};

struct vigil_login_info {
	uint64_t time;
	char service[VIGIL_SERVICE_MAX + 1];
	char rhost[VIGIL_RHOST_MAX + 1];
	uint8_t outcome; /* enum vigil_outcome */
	uint32_t score;
	uint32_t signals;
	uint16_t reason; /* enum vigil_reason: why denied, or (shadow) why it would have been */
	uint8_t shadow;  /* enum vigil_shadow */
};

struct vigil_grant_info {
	char device[VIGIL_FINGERPRINT_MAX + 1];
	char source[VIGIL_ADDR_MAX + 1];
	uint64_t granted;
	uint64_t expires;
};

struct vigil_status_report {
	char user[VIGIL_USER_MAX + 1];
	uint64_t locked_until; /* 0 = not locked */
	uint8_t suspended;     /* 1: an admin suspended the user (no login, no session) */
	uint16_t n_factors;
	struct vigil_factor_info factors[VIGIL_LIST_MAX];
	uint16_t n_devices;
	struct vigil_device_info devices[VIGIL_LIST_MAX];
	uint16_t n_sources;
	struct vigil_source_info sources[VIGIL_LIST_MAX];
	uint16_t n_logins;
	struct vigil_login_info logins[VIGIL_LIST_MAX];
	uint16_t n_grants; /* step-up grants not yet expired */
	struct vigil_grant_info grants[VIGIL_LIST_MAX];
};

/* USER_LIST: users by name, after the name the request gave. */
struct vigil_user_summary {
	char name[VIGIL_USER_MAX + 1];
	uint16_t factors; /* active factors */
	uint64_t first_seen;
	uint64_t last_success; /* 0 = never */
	uint64_t last_login;   /* newest login record, any decision; 0 = none */
	uint64_t locked_until; /* 0 or past = not locked */
	uint8_t suspended;     /* 1: suspended by an admin */
};
struct vigil_user_list {
	uint8_t more; /* 1: ask again after the last name */
	uint16_t n_users;
	struct vigil_user_summary users[VIGIL_LIST_MAX];
};

struct vigil_history_entry {
	char login_id[VIGIL_LOGIN_ID_MAX + 1];
	uint64_t time;
	char user[VIGIL_USER_MAX + 1];
	char service[VIGIL_SERVICE_MAX + 1];
	char source[VIGIL_ADDR_MAX + 1]; /* address, "uid=N" (local caller) or "" */
	char device[VIGIL_FINGERPRINT_MAX + 1];
	uint8_t outcome; /* enum vigil_outcome */
	uint16_t reason; /* enum vigil_reason */
	uint8_t shadow;  /* enum vigil_shadow */
	uint8_t stepped_up;
	uint32_t score;
	uint32_t signals;
};
struct vigil_history_page {
	uint8_t more; /* 1: older matching logins exist */
	uint16_t n_logins;
	struct vigil_history_entry logins[VIGIL_LIST_MAX];
};

/* DAEMON_REPORT: counters since vigild started (a restart zeroes them). */
struct vigil_reason_count {
	uint16_t reason; /* enum vigil_reason */
	uint64_t count;
};
struct vigil_daemon_report {
	char version[VIGIL_VERSION_MAX + 1];
	uint32_t pid;
	uint64_t started;       /* wall clock */
	uint64_t uptime;        /* seconds, monotonic */
	uint64_t config_loaded; /* wall clock of the last (re)load */
	uint64_t allowed;       /* decisions: allow */
	uint64_t denied;        /* deny */
	uint64_t stepups;       /* step-ups asked */
	uint64_t shadowed;      /* allowed only because of shadow or learn mode */
	uint16_t n_reasons;     /* denials by reason, non-zero counts only */
	struct vigil_reason_count reasons[VIGIL_LIST_MAX];
	uint32_t audit_queued;
	uint32_t audit_queue_max;
	uint8_t audit_spill_pending; /* records wait in the spill file */
	uint64_t audit_undelivered;  /* went to stderr, not journald */
	uint64_t audit_lost;         /* neither delivered nor spilled */
	uint64_t db_bytes;
	uint64_t wal_bytes;
	uint32_t users;
	uint32_t sessions_open;
	uint64_t logins; /* login records kept */
};

/* CONFIG_PAGE: entries [offset, offset + n) of total, every value of the
 * effective configuration with where it was set (file "" and line 0: the
 * built-in default).  generation changes with each reload, so that a reader
 * of several pages can tell it read one configuration. */
struct vigil_config_entry {
	char section[VIGIL_CONF_SECTION_MAX + 1];
	char key[VIGIL_CONF_KEY_MAX + 1];
	char value[VIGIL_CONF_VALUE_MAX + 1];
	char file[VIGIL_CONF_FILE_MAX + 1];
	uint32_t line;
};
struct vigil_config_page {
	uint64_t generation;
	uint16_t total;
	uint16_t offset;
	uint16_t n_entries;
	struct vigil_config_entry entries[VIGIL_LIST_MAX];
};

/* How a login was (EXPLAIN) or would now be (SIMULATE) decided, and why.
 * Points, thresholds and the rule come from the configuration running now;
 * the rest from the login's record (EXPLAIN) or the assessment (SIMULATE). */
struct vigil_explanation {
	char login_id[VIGIL_LOGIN_ID_MAX + 1]; /* "" for SIMULATE */
	char user[VIGIL_USER_MAX + 1];
	char service[VIGIL_SERVICE_MAX + 1];
	char source[VIGIL_ADDR_MAX + 1];        /* "" for a local login */
	char device[VIGIL_FINGERPRINT_MAX + 1]; /* "" when sshd did not say */
	uint64_t time;
	uint8_t outcome; /* enum vigil_outcome; 0 = waits for a step-up (SIMULATE) */
	uint8_t verdict; /* enum vigil_verdict */
	uint8_t why;     /* enum vigil_prompt_why, for STEPUP / ENROLL */
	uint8_t shadow;  /* 1: shadow mode, 2: learn mode allowed what the verdict would not */
	uint16_t reason; /* enum vigil_reason */
	uint32_t score;
	uint32_t signals;                    /* enum vigil_signal bits */
	uint32_t points[VIGIL_SIGNAL_COUNT]; /* each signal's weight, bit order */
	uint32_t stepup_at;                  /* the service's thresholds */
	uint32_t deny_at;
	uint32_t fresh_window; /* seconds; 0 unless the service is privileged */
	char rule[VIGIL_RULE_MAX + 1];
	/* The reason as the login's decision record says it (VIGIL_REASON):
	 * for an allow or a step-up too, where reason is NONE. */
	char record_reason[VIGIL_REASON_NAME_MAX + 1];
};

/* ADMIN_REPORT: the logins recorded in [since, until). */
struct vigil_report_request {
	uint64_t since; /* wall clock; 0 = the oldest kept */
	uint64_t until; /* wall clock; 0 = now */
};

/* ROLLOUT_REPORT: what enforcement would have decided of the logins of a
 * period, whatever mode they were decided under (the verdict the policy
 * gave before any step-up or mode): allow (allow, allow_no_factor), stepup
 * (stepup, enroll), deny.  Logins recorded before vigild kept verdicts are
 * left out. */
#define VIGIL_REPORT_ROWS_MAX VIGIL_LIST_MAX
struct vigil_report_row {
	char name[VIGIL_USER_MAX + 1]; /* a user, a service, or a reason name */
	uint64_t allow, stepup, deny;
};
struct vigil_report_rows {
	uint8_t more; /* 1: more rows than were sent (those with the fewest
	                 step-ups and denials are left out) */
	uint16_t n;
	struct vigil_report_row rows[VIGIL_REPORT_ROWS_MAX];
};
struct vigil_rollout_report {
	uint64_t since, until; /* the period, as the daemon applied it */
	uint64_t logins;       /* counted */
	uint64_t allow, stepup, deny;
	uint64_t by_mode[VIGIL_MODE_MAX_]; /* logins decided under enforce, shadow, learn */
	uint64_t waived;                   /* let in only by shadow or learn mode */
	/* Most step-ups and denials first.  reasons: why a login would not
	 * simply be allowed ("risk", "fresh", "network", "not_enrolled" ...;
	 * allow is always 0 there). */
	struct vigil_report_rows reasons, services, users;
};

/* What the login that opened a session was (SESSION_LIST_REPLY). */
enum vigil_session_band {
	VIGIL_BAND_PLAIN = 0,      /* allowed without a step-up */
	VIGIL_BAND_STEPPED_UP = 1, /* a factor was proved */
	VIGIL_BAND_NEW_DEVICE = 2, /* from a device never seen before */
	VIGIL_BAND_MAX_
};

/* SESSION_LIST_REPLY: open sessions, by id.  Times are wall clock seconds;
 * idle is how long the session has been idle as vigild last saw it. */
struct vigil_session_info {
	char id[VIGIL_LOGIN_ID_MAX + 1];
	char user[VIGIL_USER_MAX + 1];
	char service[VIGIL_SERVICE_MAX + 1];
	char source[VIGIL_ADDR_MAX + 1];        /* address, "uid=N" or "" */
	char device[VIGIL_FINGERPRINT_MAX + 1]; /* "" when unknown */
	char tty[VIGIL_TTY_MAX + 1];
	uint64_t started;
	uint64_t last_activity;
	uint64_t idle;    /* seconds */
	uint64_t ends_at; /* the end of its lifetime; 0 = none (the idle end moves with activity) */
	uint8_t band;     /* enum vigil_session_band */
};
struct vigil_session_list {
	uint8_t more; /* 1: ask again after the last id */
	uint16_t n_sessions;
	struct vigil_session_info sessions[VIGIL_LIST_MAX];
};

struct vigil_reload_result {
	uint16_t status;                     /* enum vigil_status */
	char message[VIGIL_MESSAGE_MAX + 1]; /* the error, "" on success */
};

/* Every message, tagged by its type.  Large (tens of KiB): heap-allocate. */
struct vigil_msg {
	uint8_t type; /* enum vigil_msg_type */
	union {
		struct vigil_login_request login;           /* AUTH_BEGIN, ACCOUNT_CHECK, ADMIN_SIMULATE */
		struct vigil_answer answer;                 /* AUTH_STEP, TOTP_ENROLL_CONFIRM, TOTP_REMOVE */
		struct vigil_assertion assertion;           /* AUTH_ASSERTION */
		struct vigil_key_enroll_request key_enroll; /* KEY_ENROLL_BEGIN */
		struct vigil_attestation attestation;       /* KEY_ENROLL_FINISH */
		struct vigil_ssh_key_request ssh_key;       /* KEY_ADD_SSH */
		struct vigil_key_request key;               /* KEY_RENAME, KEY_REMOVE */
		struct vigil_key_challenge key_challenge;   /* KEY_CHALLENGE */
		struct vigil_key_list keys;                 /* KEY_LIST_REPLY */
		struct vigil_recovery_codes recovery;       /* RECOVERY_CODES */
		struct vigil_session_request session;       /* SESSION_OPEN, SESSION_CLOSE */
		struct vigil_user_request user;             /* STATUS_QUERY, ADMIN_UNLOCK,
		                                               TOTP_ENROLL_BEGIN, ADMIN_UNLOCK_SOURCE,
		                                               ADMIN_USERS, KEY_LIST, FACTOR_PROVE,
		                                               RECOVERY_GENERATE, ADMIN_USER_SUSPEND,
		                                               ADMIN_USER_RESUME */
		struct vigil_decision decision;
		struct vigil_prompt prompt;
		struct vigil_result result;
		struct vigil_enroll_pending pending;
		struct vigil_status_report report;
		struct vigil_admin_target target;         /* ADMIN_FACTOR_REMOVE .. ADMIN_EXPLAIN */
		struct vigil_explanation explain;         /* EXPLANATION */
		struct vigil_reload_result reload;        /* RELOAD_RESULT */
		struct vigil_history_request history_req; /* ADMIN_HISTORY */
		struct vigil_page_request page_req;       /* ADMIN_CONFIG */
		struct vigil_user_list users;
		struct vigil_history_page history;
		struct vigil_daemon_report daemon;
		struct vigil_config_page config;
		struct vigil_report_request report_req;             /* ADMIN_REPORT */
		struct vigil_rollout_report rollout;                /* ROLLOUT_REPORT */
		struct vigil_session_list_request session_list_req; /* SESSION_LIST */
		struct vigil_session_end_request session_end;       /* SESSION_END */
		struct vigil_session_list sessions;                 /* SESSION_LIST_REPLY */
	} u;
};
