/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for config.c: the defaults; every key parsed; every kind of bad
 * value, unknown key or section, duplicate and syntax error reported as
 * "file:line: why" with the right line; over-long lines rejected and never
 * split; drop-ins read in byte order, overriding values and appending
 * network lists; the stepup_at/deny_at cross-checks with both values;
 * inline comments; warnings for [service.NAME] sections that match no PAM
 * service file; file safety checks
 * (missing, world-writable, symlink, not ours, too big); the shipped
 * conf/vigil.conf equal to the defaults; config_service() and the CIDR
 * helpers with IPv4, IPv6 and IPv4-mapped addresses.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "store.h"
#include "tmpdir.h"

struct fixture {
	char dir[PATH_MAX];
	char path[PATH_MAX];   /* dir/vigil.conf */
	char dropin[PATH_MAX]; /* dir/vigil.conf.d */
	char err[1024];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (tmp_mkdtemp("test_config", f->dir, sizeof(f->dir)) < 0)
		return -1;
	tmp_join(f->path, sizeof(f->path), f->dir, "vigil.conf");
	tmp_join(f->dropin, sizeof(f->dropin), f->dir, "vigil.conf.d");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tmp_rm_rf(f->dir);
	free(f);
	return 0;
}

static void put_n(const char *path, const char *text, size_t n, mode_t mode)
{
	tmp_write_file(path, text, n, mode);
}

static void put(const char *path, const char *text)
{
	put_n(path, text, strlen(text), 0644);
}

static void put_dropin(struct fixture *f, const char *name, const char *text)
{
	char path[PATH_MAX];

	(void)mkdir(f->dropin, 0755);
	tmp_join(path, sizeof(path), f->dropin, name);
	put(path, text);
}

/* Loads f->path; on success returns the config (caller frees). */
static struct vigil_config *load_ok(struct fixture *f)
{
	struct vigil_config *c = NULL;
	int r = config_load(f->path, &c, f->err, sizeof(f->err));

	if (r != 0)
		fail_msg("config_load: %d: %s", r, f->err);
	assert_non_null(c);
	return c;
}

/* Expects -EINVAL with an error "<file>:<line>: ...<why>...". */
static void load_fails_at(struct fixture *f, const char *file, unsigned line, const char *why)
{
	struct vigil_config *sentinel = (struct vigil_config *)&sentinel, *c = sentinel;
	char prefix[PATH_MAX + 32];
	int r;

	r = config_load(f->path, &c, f->err, sizeof(f->err));
	assert_int_equal(r, -EINVAL);
	assert_ptr_equal(c, sentinel);
	if (line)
		snprintf(prefix, sizeof(prefix), "%s:%u: ", file, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", file);
	if (strncmp(f->err, prefix, strlen(prefix)) != 0 || !strstr(f->err, why))
		fail_msg("error \"%s\", expected \"%s...%s\"", f->err, prefix, why);
}

static void text_fails_at(struct fixture *f, const char *text, unsigned line, const char *why)
{
	put(f->path, text);
	load_fails_at(f, f->path, line, why);
}

static void test_defaults(void **state)
{
	struct vigil_config c;

	memset(&c, 0xff, sizeof(c));
	config_defaults(&c);
	assert_int_equal(c.new_device, 40);
	assert_int_equal(c.new_source, 20);
	assert_int_equal(c.new_prefix, 20);
	assert_int_equal(c.stale_account, 20);
	assert_int_equal(c.stale_account_days, 30);
	assert_int_equal(c.stale_device, 10);
	assert_int_equal(c.stale_device_days, 30);
	assert_int_equal(c.user_failures, 20);
	assert_int_equal(c.user_failures_min, 3);
	assert_int_equal(c.source_failures, 20);
	assert_int_equal(c.source_failures_min, 5);
	assert_int_equal(c.failure_window, 3600);
	assert_int_equal(c.privileged, 30);
	assert_int_equal(c.stepup_at, 30);
	assert_int_equal(c.deny_at, 100);
	assert_int_equal(c.fresh_window, 300);
	assert_int_equal(c.grant_lifetime, 43200);
	assert_false(c.shadow);
	assert_int_equal(c.mode, VIGIL_MODE_ENFORCE);
	assert_int_equal(c.no_factor, NO_FACTOR_DENY);
	assert_int_equal(c.enroll_grace, 86400);
	assert_int_equal(c.totp_digits, 6);
	assert_int_equal(c.totp_period, 30);
	assert_int_equal(c.totp_window, 1);
	assert_string_equal(c.totp_issuer, "Vigil");
	assert_int_equal(c.lockout_deny, 3);
	assert_int_equal(c.lockout_interval, 900);
	assert_int_equal(c.lockout_unlock, 600);
	assert_int_equal(c.source_rate_max, 10);
	assert_int_equal(c.source_rate_window, 60);
	assert_int_equal(c.n_allow, 0);
	assert_int_equal(c.n_deny, 0);
	assert_int_equal(c.max_sessions, 0);
	assert_int_equal(c.history_days, 90);
	assert_int_equal(c.n_services, 0);
}

static void test_empty_file_is_defaults(void **state)
{
	struct fixture *f = *state;
	struct vigil_config d, *c;

	put(f->path, "# nothing\n\n; at all\n");
	c = load_ok(f);
	config_defaults(&d);
	/* The values; not when or from where they were loaded. */
	assert_memory_equal(c, &d, offsetof(struct vigil_config, loaded));
	free(c);
}

static void test_every_key(void **state)
{
	struct fixture *f = *state;
	struct vigil_config *c;
	struct service_view v;

	put(f->path, "[risk]\n"
	             "new_device = 41\nnew_source = 21\nnew_prefix = 22\nstale_account = 23\n"
	             "stale_account_days = 31\nstale_device = 11\nstale_device_days = 32\n"
	             "user_failures = 24\nuser_failures_min = 4\nsource_failures = 25\n"
	             "source_failures_min = 6\nfailure_window = 1800\nprivileged = 33\n"
	             "[policy]\n"
	             "stepup_at = 35\ndeny_at = 90\nfresh_window = 120\ngrant_lifetime = 3600\n"
	             "shadow = yes\nno_factor = enroll\nenroll_grace = 3600\n"
	             "[totp]\n"
	             "digits = 8\nperiod = 60\nwindow = 2\nissuer = ACME Corp (prod)\n"
	             "[lockout]\n"
	             "deny = 5\ninterval = 600\nunlock = 300\nsource_max = 20\nsource_window = 120\n"
	             "[network]\n"
	             "allow = 10.0.0.0/8, 192.0.2.1\n"
	             "allow = 2001:db8::/32\n"
	             "deny = 10.66.0.0/16 ::ffff:198.51.100.0/120\n"
	             "[session]\n"
	             "max_sessions = 4\n"
	             "[store]\n"
	             "history_days = 30\n"
	             "[service.sshd]\n"
	             "stepup_at = 20\ndeny_at = 80\nfresh_window = 0\nprivileged = no\n"
	             "[service.pkexec]\n"
	             "privileged = true\n");
	c = load_ok(f);
	assert_int_equal(c->new_device, 41);
	assert_int_equal(c->new_source, 21);
	assert_int_equal(c->new_prefix, 22);
	assert_int_equal(c->stale_account, 23);
	assert_int_equal(c->stale_account_days, 31);
	assert_int_equal(c->stale_device, 11);
	assert_int_equal(c->stale_device_days, 32);
	assert_int_equal(c->user_failures, 24);
	assert_int_equal(c->user_failures_min, 4);
	assert_int_equal(c->source_failures, 25);
	assert_int_equal(c->source_failures_min, 6);
	assert_int_equal(c->failure_window, 1800);
	assert_int_equal(c->privileged, 33);
	assert_int_equal(c->stepup_at, 35);
	assert_int_equal(c->deny_at, 90);
	assert_int_equal(c->fresh_window, 120);
	assert_int_equal(c->grant_lifetime, 3600);
	assert_true(c->shadow);
	assert_int_equal(c->no_factor, NO_FACTOR_ENROLL);
	assert_int_equal(c->enroll_grace, 3600);
	assert_int_equal(c->totp_digits, 8);
	assert_int_equal(c->totp_period, 60);
	assert_int_equal(c->totp_window, 2);
	assert_string_equal(c->totp_issuer, "ACME Corp (prod)");
	assert_int_equal(c->lockout_deny, 5);
	assert_int_equal(c->lockout_interval, 600);
	assert_int_equal(c->lockout_unlock, 300);
	assert_int_equal(c->source_rate_max, 20);
	assert_int_equal(c->source_rate_window, 120);
	assert_int_equal(c->n_allow, 3);
	assert_int_equal(c->allow[0].family, AF_INET);
	assert_int_equal(c->allow[0].prefix, 8);
	assert_int_equal(c->allow[0].addr[0], 10);
	assert_int_equal(c->allow[1].prefix, 32);
	assert_int_equal(c->allow[2].family, AF_INET6);
	assert_int_equal(c->allow[2].prefix, 32);
	assert_int_equal(c->n_deny, 2);
	assert_int_equal(c->deny[1].family, AF_INET6);
	assert_int_equal(c->deny[1].prefix, 120);
	assert_int_equal(c->max_sessions, 4);
	assert_int_equal(c->history_days, 30);
	assert_int_equal(c->n_services, 2);
	assert_string_equal(c->services[0].name, "sshd");
	assert_int_equal(c->services[0].stepup_at, 20);
	assert_int_equal(c->services[0].deny_at, 80);
	assert_int_equal(c->services[0].fresh_window, 0);
	assert_int_equal(c->services[0].privileged, 0);
	assert_string_equal(c->services[1].name, "pkexec");
	assert_int_equal(c->services[1].stepup_at, -1);
	assert_int_equal(c->services[1].deny_at, -1);
	assert_int_equal(c->services[1].fresh_window, -1);
	assert_int_equal(c->services[1].privileged, 1);

	config_service(c, "pkexec", &v);
	assert_int_equal(v.stepup_at, 35);
	assert_int_equal(v.deny_at, 90);
	assert_int_equal(v.fresh_window, 120);
	assert_true(v.privileged);
	free(c);
}

static void test_bool_and_enum_spellings(void **state)
{
	static const struct {
		const char *text;
		bool shadow;
		enum no_factor_action nf;
	} v[] = {
	    {"shadow = on\nno_factor = allow\n", true, NO_FACTOR_ALLOW},
	    {"shadow = 1\nno_factor = deny\n", true, NO_FACTOR_DENY},
	    {"shadow = false\n", false, NO_FACTOR_DENY},
	    {"shadow = off\n", false, NO_FACTOR_DENY},
	    {"shadow = 0\n", false, NO_FACTOR_DENY},
	};
	struct fixture *f = *state;
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct vigil_config *c;

		snprintf(text, sizeof(text), "[policy]\n%s", v[i].text);
		put(f->path, text);
		c = load_ok(f);
		assert_int_equal(c->shadow, v[i].shadow);
		assert_int_equal(c->no_factor, v[i].nf);
		free(c);
	}
}

/* mode takes learn, shadow or enforce, in [policy] and per service; the
 * old shadow = yes is mode = shadow; both at once is an error naming both
 * lines. */
static void test_mode(void **state)
{
	struct fixture *f = *state;
	struct vigil_config *c;
	struct service_view v;
	char both[PATH_MAX + 64];

	put(f->path, "[policy]\nmode = learn\n[service.sudo]\nmode = enforce\n[service.su]\nmode = shadow\n");
	c = load_ok(f);
	assert_int_equal(c->mode, VIGIL_MODE_LEARN);
	config_service(c, "sshd", &v);
	assert_int_equal(v.mode, VIGIL_MODE_LEARN);
	config_service(c, "sudo", &v);
	assert_int_equal(v.mode, VIGIL_MODE_ENFORCE);
	config_service(c, "su", &v);
	assert_int_equal(v.mode, VIGIL_MODE_SHADOW);
	free(c);

	put(f->path, "[policy]\nshadow = yes\n");
	c = load_ok(f);
	assert_int_equal(c->mode, VIGIL_MODE_SHADOW);
	free(c);
	put(f->path, "[policy]\nshadow = no\n");
	c = load_ok(f);
	assert_int_equal(c->mode, VIGIL_MODE_ENFORCE);
	free(c);

	/* Both, even in different files: refused, both named. */
	put(f->path, "[policy]\nshadow = yes\n");
	put_dropin(f, "50-mode.conf", "[policy]\n\nmode = enforce\n");
	tmp_join(both, sizeof(both), f->dropin, "50-mode.conf");
	load_fails_at(f, both, 3, "[policy] mode is set here and the old [policy] shadow at ");
	assert_non_null(strstr(f->err, ":2: keep only mode"));
	assert_int_equal(unlink(both), 0);

	text_fails_at(f, "[policy]\nmode = Learn\n", 2, "[policy] mode: 'Learn' is not learn, shadow or enforce");
	text_fails_at(f, "[policy]\nmode =\n", 2, "'' is not learn, shadow or enforce");
	text_fails_at(f, "[service.sshd]\nmode = off\n", 2,
	              "[service.sshd] mode: 'off' is not learn, shadow or enforce");
	text_fails_at(f, "[policy]\nmode = learn\nmode = shadow\n", 3, "set twice in this file");
}

static void test_bad_values(void **state)
{
	static const struct {
		const char *section, *key, *value, *why;
	} v[] = {
	    {"risk", "new_device", "abc",
	     "[risk] new_device: 'abc' is not a number (expected a whole number from 0 to 1000)"},
	    {"risk", "new_device", "-1", "'-1' is not a number"},
	    {"risk", "new_device", "+1", "'+1' is not a number"},
	    {"risk", "new_device", "1001", "'1001' is out of range (expected a whole number from 0 to 1000)"},
	    {"risk", "new_device", "", "[risk] new_device: no value (expected a whole number from 0 to 1000)"},
	    {"risk", "new_device", "1.5", "'1.5' is not a number"},
	    {"risk", "new_device", "0x10", "'0x10' is not a number"},
	    {"risk", "new_device", "10 20", "'10 20' is not a number"},
	    {"risk", "new_device", "99999999999999999999999", "'99999999999999999999999' is out of range"},
	    {"risk", "stale_account_days", "0", "'0' is out of range (expected a whole number from 1 to 3650)"},
	    {"risk", "stale_device_days", "3651", "from 1 to 3650"},
	    {"risk", "user_failures_min", "0", "'0' is out of range"},
	    {"risk", "source_failures_min", "0", "'0' is out of range"},
	    {"risk", "failure_window", "0", "'0' is out of range"},
	    {"policy", "stepup_at", "1000001", "'1000001' is out of range"},
	    {"policy", "fresh_window", "86401", "'86401' is out of range"},
	    {"policy", "shadow", "maybe", "[policy] shadow: 'maybe' is not yes or no"},
	    {"policy", "shadow", "", "'' is not yes or no"},
	    {"policy", "no_factor", "sometimes", "[policy] no_factor: 'sometimes' is not deny, enroll or allow"},
	    {"policy", "no_factor", "Deny", "'Deny' is not deny, enroll or allow"},
	    {"policy", "enroll_grace", "31536001", "'31536001' is out of range"},
	    {"policy", "enroll_since", "2024-13-01",
	     "[policy] enroll_since: '2024-13-01' is not a date (expected YYYY-MM-DD)"},
	    {"totp", "digits", "5", "[totp] digits: '5' is out of range (expected a whole number from 6 to 8)"},
	    {"totp", "digits", "9", "from 6 to 8"},
	    {"totp", "period", "14", "from 15 to 120"},
	    {"totp", "period", "121", "from 15 to 120"},
	    {"totp", "window", "11", "from 0 to 10"},
	    {"totp", "issuer", "", "[totp] issuer: '' is empty"},
	    {"totp", "issuer", "a:b", "[totp] issuer: 'a:b' contains ':'"},
	    {"totp", "issuer", "a\tb", "[totp] issuer: 'a\\x09b' contains a character that is not printable ASCII"},
	    {"totp", "issuer", "\xc3\xa9t\xc3\xa9", "[totp] issuer: '\xc3\xa9t\xc3\xa9' contains a character"},
	    {"totp", "issuer", "0123456789012345678901234567890123456789012345678901234567890123", "is too long"},
	    {"lockout", "deny", "0", "from 1 to 100"},
	    {"lockout", "deny", "101", "from 1 to 100"},
	    {"lockout", "interval", "0", "'0' is out of range"},
	    {"lockout", "unlock", "0", "'0' is out of range"},
	    {"lockout", "source_max", "0", "'0' is out of range"},
	    {"lockout", "source_window", "0", "'0' is out of range"},
	    /* A network entry is quoted and what is wrong with it named. */
	    {"network", "allow", "10.0.0.1/8",
	     "[network] allow: '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)"},
	    {"network", "allow", "10.0.0.0/8 300.1.1.1", "[network] allow: '300.1.1.1' is not an IPv4 or IPv6 address"},
	    {"network", "allow", "10.0.0.0/33", "'10.0.0.0/33' has prefix length 33, out of range for IPv4 (0 to 32)"},
	    {"network", "allow", "::1/129", "'::1/129' has prefix length 129, out of range for IPv6 (0 to 128)"},
	    {"network", "allow", "2001:db8::1/32", "'2001:db8::1/32' has host bits set (did you mean 2001:db8::/32?)"},
	    {"network", "allow", "::ffff:1.2.3.4/120", "has host bits set (did you mean ::ffff:1.2.3.0/120?)"},
	    {"network", "allow", "fe80::1%eth0", "'fe80::1%eth0' is not an IPv4 or IPv6 address (a zone"},
	    {"network", "allow", "example.org",
	     "'example.org' is not an IPv4 or IPv6 address (host names are not allowed)"},
	    {"network", "allow", "10.0.0", "'10.0.0' is not an IPv4 or IPv6 address"},
	    {"network", "allow", "10.0.0.0/", "'10.0.0.0/' has no prefix length after the '/'"},
	    {"network", "allow", "/8", "'/8' has no address before the '/'"},
	    {"network", "allow", "10.0.0.0/8/8",
	     "'10.0.0.0/8/8' has a prefix length that is not a number from 0 to 32"},
	    {"network", "allow", "10.0.0.0/-8", "'10.0.0.0/-8' has a prefix length that is not a number"},
	    {"network", "allow", "10.0.0.0/99999999999999999999",
	     "has prefix length 99999999999999999999, out of range"},
	    {"network", "deny", "1.2.3.4,,junk", "[network] deny: 'junk' is not an IPv4 or IPv6 address"},
	    {"network", "deny", "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd/128",
	     "'1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd/128' is too long to be an address"},
	    {"network", "deny", "1.2.3.4\x1b[2J", "'1.2.3.4\\x1b[2J' is not an IPv4 or IPv6 address"},
	    {"session", "max_sessions", "10001", "from 0 to 10000"},
	    {"store", "history_days", "0", "from 1 to 3650"},
	    {"store", "history_days", "3651", "from 1 to 3650"},
	    {"service.sshd", "stepup_at", "x", "[service.sshd] stepup_at: 'x' is not a number"},
	    {"service.sshd", "deny_at", "-1", "'-1' is not a number"},
	    {"service.sshd", "fresh_window", "86401", "'86401' is out of range"},
	    {"service.sshd", "privileged", "2", "[service.sshd] privileged: '2' is not yes or no"},
	};
	struct fixture *f = *state;
	char text[512];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(text, sizeof(text), "[%s]\n# the next line is bad\n%s = %s\n", v[i].section, v[i].key,
		         v[i].value);
		text_fails_at(f, text, 3, v[i].why);
	}
}

static void test_structure_errors(void **state)
{
	struct fixture *f = *state;

	text_fails_at(f, "[risk]\nnew_device = 1\nbogus = 2\n", 3, "[risk]: unknown key 'bogus'");
	text_fails_at(f, "[risk]\n[bogus]\nx = 1\n", 3, "unknown section [bogus]");
	text_fails_at(f, "[Risk]\nnew_device = 1\n", 2, "unknown section [Risk]");
	text_fails_at(f, "[risk]\nNew_Device = 1\n", 2, "unknown key");
	text_fails_at(f, "# top\nnew_device = 1\n", 2, "outside a section");
	text_fails_at(f, "[risk]\nnew_device\n", 2, "syntax error");
	text_fails_at(f, "\n[risk\nnew_device = 1\n", 2, "syntax error");
	/* The first error wins: a syntax error before a bad key. */
	text_fails_at(f, "[risk]\nnobody\nbogus = 1\n", 2, "syntax error");
	text_fails_at(f, "[risk]\nbogus = 1\nnobody\n", 2, "unknown key");
	/* Set twice in one file, even in two sections of the same name. */
	text_fails_at(f, "[risk]\nnew_device = 1\nnew_device = 2\n", 3, "new_device: set twice");
	text_fails_at(f, "[risk]\nnew_device = 1\n[policy]\nstepup_at = 1\n[risk]\nnew_device = 1\n", 6, "set twice");
	text_fails_at(f, "[service.sshd]\nstepup_at = 1\n\nstepup_at = 2\n", 4, "set twice");
	/* Service sections. */
	text_fails_at(f, "[service.]\nstepup_at = 1\n", 2, "[service.]: '' is not a PAM service name");
	text_fails_at(f, "[service.a b]\nstepup_at = 1\n", 2, "[service.a b]: 'a b' is not a PAM service name");
	text_fails_at(f, "[service.a/b]\nstepup_at = 1\n", 2, "'a/b' is not a PAM service name");
	text_fails_at(f, "[service..]\nstepup_at = 1\n", 2, "'.' is not a PAM service name");
	text_fails_at(f, "[service..sshd.swp]\nstepup_at = 1\n", 2, "not starting with '.'");
	text_fails_at(f, "[service.sshd]\nnew_device = 1\n", 2, "[service.sshd]: unknown key 'new_device'");
	text_fails_at(f, "[network]\nallow = 1.2.3.4\nallow = 1.2.3.5\nallow 1.2.3.6\n", 4, "syntax error");
	/* inih would cut a section name this long: refused, not truncated. */
	text_fails_at(f, "[risk]\n[service.a123456789b123456789c123456789d123456789e1]\nprivileged = yes\n", 2,
	              "section name longer than 49 bytes");
	/* A NUL byte is refused before parsing. */
	put_n(f->path, "[risk]\nnew_device = 1\0\n", 22, 0644);
	load_fails_at(f, f->path, 2, "NUL byte");
}

static void test_indentation_ignored(void **state)
{
	struct fixture *f = *state;
	struct vigil_config *c;

	/* Not continuation lines: each indented line is a key of its own. */
	put(f->path, "  [risk]\n  new_device = 1\n\tnew_source = 2\n [service.a123456789b123456789c123456789d1234]\n"
	             "   privileged = yes\n");
	c = load_ok(f);
	assert_int_equal(c->new_device, 1);
	assert_int_equal(c->new_source, 2);
	assert_int_equal(c->n_services, 1);
	assert_string_equal(c->services[0].name, "a123456789b123456789c123456789d1234");
	free(c);
}

static void test_err_buffer_optional(void **state)
{
	struct fixture *f = *state;
	struct vigil_config *c = NULL;
	char small[8];

	put(f->path, "[risk]\nbogus = 1\n");
	assert_int_equal(config_load(f->path, &c, NULL, 0), -EINVAL);
	assert_int_equal(config_load(f->path, &c, small, sizeof(small)), -EINVAL);
	assert_int_equal(strlen(small), sizeof(small) - 1); /* truncated, terminated */
	assert_null(c);
}

static void test_too_many(void **state)
{
	struct fixture *f = *state;
	char text[8192];
	size_t pos = 0;
	unsigned i;

	/* 64 list entries across lines are fine, the 65th is not. */
	pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "[network]\n");
	for (i = 0; i < CONFIG_NETS_MAX; i++)
		pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "deny = 10.%u.0.0/16\n", i);
	put(f->path, text);
	free(load_ok(f));
	snprintf(text + pos, sizeof(text) - pos, "deny = 11.0.0.0/8\n");
	text_fails_at(f, text, CONFIG_NETS_MAX + 2, "more than 64 entries");

	pos = 0;
	for (i = 0; i < CONFIG_SERVICES_MAX; i++)
		pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "[service.s%u]\nprivileged = yes\n", i);
	put(f->path, text);
	free(load_ok(f));
	snprintf(text + pos, sizeof(text) - pos, "[service.one-more]\nprivileged = yes\n");
	text_fails_at(f, text, 2 * CONFIG_SERVICES_MAX + 2, "more than 16 [service.*] sections");
}

static void test_long_lines(void **state)
{
	struct fixture *f = *state;
	struct vigil_config *c;
	char text[4096], *p;
	unsigned i;

	/* A comment whose tail, cut where inih's default 200-byte buffer
	 * would cut it, reads as "deny_at = 5": it must stay one comment. */
	p = text + sprintf(text, "[policy]\n#");
	memset(p, 'x', 198);
	p += 198;
	p += sprintf(p, "deny_at = 5\nstepup_at = 4\n");
	put(f->path, text);
	c = load_ok(f);
	assert_int_equal(c->deny_at, 100);
	assert_int_equal(c->stepup_at, 4);
	free(c);

	/* The same trick at our own limit: refused, not split. */
	p = text + sprintf(text, "[policy]\n#");
	memset(p, 'x', CONFIG_LINE_MAX - 1);
	p += CONFIG_LINE_MAX - 1;
	p += sprintf(p, "deny_at = 5\n");
	text_fails_at(f, text, 2, "line too long");

	/* Exactly CONFIG_LINE_MAX bytes, with or without "\r", is fine. */
	p = text + sprintf(text, "[policy]\n#");
	memset(p, 'x', CONFIG_LINE_MAX - 1);
	p += CONFIG_LINE_MAX - 1;
	p += sprintf(p, "\nstepup_at = 5\r\n#");
	memset(p, 'y', CONFIG_LINE_MAX - 2);
	p += CONFIG_LINE_MAX - 2;
	sprintf(p, "\r\n");
	put(f->path, text);
	c = load_ok(f);
	assert_int_equal(c->stepup_at, 5);
	free(c);

	/* One byte more, on the last line without a newline. */
	p = text + sprintf(text, "[policy]\n\n#");
	memset(p, 'x', CONFIG_LINE_MAX);
	p[CONFIG_LINE_MAX] = '\0';
	text_fails_at(f, text, 3, "line too long");

	/* A long list line (well past 200 bytes) is parsed whole. */
	p = text + sprintf(text, "[network]\nallow =");
	for (i = 0; i < 60; i++)
		p += sprintf(p, " 10.%u.128.0/17,", i);
	sprintf(p, "\n");
	assert_true(strlen(text) > 900 && strlen(text) < CONFIG_LINE_MAX);
	put(f->path, text);
	c = load_ok(f);
	assert_int_equal(c->n_allow, 60);
	assert_int_equal(c->allow[59].addr[1], 59);
	assert_int_equal(c->allow[59].prefix, 17);
	free(c);
}

static void test_dropins(void **state)
{
	struct fixture *f = *state;
	struct vigil_config *c;

	put(f->path, "[policy]\nstepup_at = 10\n[network]\nallow = 10.0.0.0/8\n[service.sshd]\nstepup_at = 12\n");
	put_dropin(f, "10-a.conf", "[policy]\nstepup_at = 20\ndeny_at = 90\n[network]\nallow = 192.0.2.0/24\n");
	put_dropin(f, "20-b.conf",
	           "[policy]\nstepup_at = 25\n[network]\nallow = 2001:db8::/32\n[service.sshd]\ndeny_at = 70\n");
	/* Byte order, not numeric: "9-c" comes after "20-b". */
	put_dropin(f, "9-c.conf", "[policy]\nstepup_at = 15\n");
	/* Not drop-ins: ignored even though they would not parse. */
	put_dropin(f, "README", "garbage\n");
	put_dropin(f, ".hidden.conf", "garbage\n");
	put_dropin(f, "x.conf.bak", "garbage\n");
	put_dropin(f, ".conf", "garbage\n");
	c = load_ok(f);
	assert_int_equal(c->stepup_at, 15);
	assert_int_equal(c->deny_at, 90);
	assert_int_equal(c->n_allow, 3);
	assert_int_equal(c->allow[0].family, AF_INET);
	assert_int_equal(c->allow[0].addr[0], 10);
	assert_int_equal(c->allow[1].addr[0], 192);
	assert_int_equal(c->allow[2].family, AF_INET6);
	/* A service section spread over two files. */
	assert_int_equal(c->n_services, 1);
	assert_int_equal(c->services[0].stepup_at, 12);
	assert_int_equal(c->services[0].deny_at, 70);
	free(c);

	/* An error in a drop-in names the drop-in. */
	{
		char bad[PATH_MAX];

		tmp_join(bad, sizeof(bad), f->dropin, "15-bad.conf");
		put_dropin(f, "15-bad.conf", "[totp]\n\ndigits = 12\n");
		load_fails_at(f, bad, 3, "digits");
		assert_int_equal(unlink(bad), 0);
	}
}

static void test_dropin_unsafe(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], target[PATH_MAX];

	put(f->path, "[policy]\n");
	put_dropin(f, "10-a.conf", "[policy]\nstepup_at = 20\n");
	free(load_ok(f));

	tmp_join(path, sizeof(path), f->dropin, "10-a.conf");
	assert_int_equal(chmod(path, 0666), 0);
	load_fails_at(f, path, 0, "mode 0666, must not be writable by others");
	assert_int_equal(chmod(path, 0644), 0);

	tmp_join(target, sizeof(target), f->dir, "elsewhere.conf");
	put(target, "[policy]\n");
	tmp_join(path, sizeof(path), f->dropin, "20-link.conf");
	assert_int_equal(symlink(target, path), 0);
	load_fails_at(f, path, 0, "a symlink");
	assert_int_equal(unlink(path), 0);

	/* A FIFO is refused at once: without O_NONBLOCK the open waits for a
	 * writer (vigild would hang at start or on SIGHUP) and the alarm
	 * kills the test. */
	tmp_join(path, sizeof(path), f->dropin, "30-fifo.conf");
	assert_int_equal(mkfifo(path, 0644), 0);
	alarm(5);
	load_fails_at(f, path, 0, "a FIFO, not a regular file");
	alarm(0);
	assert_int_equal(unlink(path), 0);

	assert_int_equal(chmod(f->dropin, 0777), 0);
	load_fails_at(f, f->dropin, 0, "writable by group or others");
	assert_int_equal(chmod(f->dropin, 0755), 0);
	free(load_ok(f));
}

static void test_cross_checks(void **state)
{
	struct fixture *f = *state;
	struct vigil_config *c;
	char path[PATH_MAX];

	/* Both values are shown, whichever line moved one of them. */
	text_fails_at(f, "[policy]\n\nstepup_at = 101\n", 3, "[policy] stepup_at (101) must not exceed deny_at (100)");
	text_fails_at(f, "[policy]\nstepup_at = 50\ndeny_at = 40\n", 3,
	              "[policy] stepup_at (50) must not exceed deny_at (40)");
	put(f->path, "[policy]\nstepup_at = 50\ndeny_at = 50\n");
	free(load_ok(f));

	/* Split over two files: the later one is named. */
	put(f->path, "[policy]\ndeny_at = 50\n");
	put_dropin(f, "10-a.conf", "# raise it\n[policy]\nstepup_at = 60\n");
	tmp_join(path, sizeof(path), f->dropin, "10-a.conf");
	load_fails_at(f, path, 3, "stepup_at (60) must not exceed deny_at (50)");
	assert_int_equal(unlink(path), 0);

	/* Per service, with inherited values. */
	/* Per service: a value the section does not set is said to come
	 * from [policy]. */
	text_fails_at(f, "[service.sshd]\nstepup_at = 150\n", 2,
	              "[service.sshd] stepup_at (150) must not exceed deny_at (100, from [policy])");
	text_fails_at(f, "[service.sshd]\nprivileged = no\ndeny_at = 10\n", 3,
	              "[service.sshd] stepup_at (30, from [policy]) must not exceed deny_at (10)");
	text_fails_at(f, "[service.sshd]\nstepup_at = 20\ndeny_at = 10\n", 3,
	              "[service.sshd] stepup_at (20) must not exceed deny_at (10)");
	put(f->path, "[service.sshd]\nstepup_at = 150\ndeny_at = 200\n");
	c = load_ok(f);
	assert_int_equal(c->services[0].stepup_at, 150);
	free(c);
	/* Only an inherited value moved. */
	put(f->path, "[service.sshd]\ndeny_at = 40\n[policy]\nstepup_at = 45\ndeny_at = 60\n");
	load_fails_at(f, f->path, 2, "[service.sshd] stepup_at (45, from [policy]) must not exceed deny_at (40)");
}

static void test_file_checks(void **state)
{
	struct fixture *f = *state;
	struct vigil_config *c = NULL;
	char target[PATH_MAX];

	/* Missing: -ENOENT, never silent defaults, and one line that says so
	 * (no bare strerror for the caller to print first). */
	assert_int_equal(config_load(f->path, &c, f->err, sizeof(f->err)), -ENOENT);
	assert_null(c);
	{
		char want[PATH_MAX + 128];

		snprintf(want, sizeof(want),
		         "%s: no such file (vigild has no built-in configuration; see vigil.conf(5))", f->path);
		assert_string_equal(f->err, want);
	}

	put_n(f->path, "[risk]\n", 7, 0666);
	load_fails_at(f, f->path, 0, "mode 0666, must not be writable by others");
	assert_int_equal(chmod(f->path, 0620), 0);
	load_fails_at(f, f->path, 0, "mode 0620, must not be writable by its group");
	assert_int_equal(chmod(f->path, 0602), 0);
	load_fails_at(f, f->path, 0, "mode 0602, must not be writable by others");
	assert_int_equal(chmod(f->path, 0400), 0);
	free(load_ok(f));
	assert_int_equal(unlink(f->path), 0);

	/* A symlink, even to a good file. */
	tmp_join(target, sizeof(target), f->dir, "real.conf");
	put(target, "[risk]\n");
	assert_int_equal(symlink(target, f->path), 0);
	load_fails_at(f, f->path, 0, "a symlink");
	assert_int_equal(unlink(f->path), 0);

	/* A directory. */
	assert_int_equal(mkdir(f->path, 0755), 0);
	load_fails_at(f, f->path, 0, "a directory, not a regular file");
	assert_int_equal(rmdir(f->path), 0);

	/* A FIFO, refused without waiting for a writer (see test_dropin_unsafe). */
	assert_int_equal(mkfifo(f->path, 0644), 0);
	alarm(5);
	load_fails_at(f, f->path, 0, "a FIFO, not a regular file");
	alarm(0);
	assert_int_equal(unlink(f->path), 0);

	/* Bigger than the limit. */
	{
		size_t n = 1024 * 1024 + 1, i;
		char *big = malloc(n);

		assert_non_null(big);
		for (i = 0; i < n; i++)
			big[i] = (i % 100 == 99) ? '\n' : '#';
		put_n(f->path, big, n, 0644);
		free(big);
		load_fails_at(f, f->path, 0, "larger than");
	}
}

static void test_inline_comments(void **state)
{
	struct fixture *f = *state;
	struct vigil_config *c;

	/* '#' and ';' after a blank start a comment, on any line. */
	put(f->path, "[risk] # points\n"
	             "new_device = 20 # was 40\n"
	             "new_source = 21\t; tab then semicolon\n"
	             "new_prefix = 22;not a comment: no blank before it\n");
	load_fails_at(f, f->path, 4, "[risk] new_prefix: '22;not a comment: no blank before it' is not a number");
	put(f->path, "[risk] # points\n"
	             "new_device = 20 # was 40\n"
	             "new_source = 21\t; tab then semicolon\n"
	             "[network] ; lists\n"
	             "deny = 10.0.0.0/8 192.0.2.0/24 # office, lab\n"
	             "[totp]\n"
	             "issuer = ACME#1;2 # a '#' or ';' inside a word stays\n"
	             "[service.sshd]   # the ssh daemon\n"
	             "stepup_at = 50 ;\n");
	c = load_ok(f);
	assert_int_equal(c->new_device, 20);
	assert_int_equal(c->new_source, 21);
	assert_int_equal(c->n_deny, 2);
	assert_string_equal(c->totp_issuer, "ACME#1;2");
	assert_int_equal(c->n_services, 1);
	assert_string_equal(c->services[0].name, "sshd");
	assert_int_equal(c->services[0].stepup_at, 50);
	free(c);

	/* A value that is only a comment is no value. */
	text_fails_at(f, "[risk]\nnew_device = # forty\n", 2, "[risk] new_device: no value");
	/* An empty allow list lets every source in: a comment that swallowed
	 * the list is an error, not an empty list. */
	text_fails_at(f, "[network]\nallow = #10.0.0.0/8\n", 2, "[network] allow: no value before the comment");
	/* A list's comment that holds an address is an entry commented out. */
	text_fails_at(f, "[network]\ndeny = 10.0.0.0/8 #192.168.0.0/16, 172.16.0.0/12\n", 2,
	              "[network] deny: the comment holds '192.168.0.0/16'");
	text_fails_at(f, "[network]\ndeny = 10.0.0.0/8 ; was 2001:db8::/32\n", 2,
	              "[network] deny: the comment holds '2001:db8::/32'");
}

struct warnings {
	unsigned n;
	char text[4][1024];
};

static void warning_keep(const char *msg, void *userdata)
{
	struct warnings *w = userdata;

	if (w->n < 4)
		snprintf(w->text[w->n], sizeof(w->text[0]), "%s", msg);
	w->n++;
}

static struct warnings *load_warnings(struct fixture *f, const char *pam_dir, struct warnings *w)
{
	struct config_load_opts o = {.pam_dir = pam_dir, .warn = warning_keep, .userdata = w};
	struct vigil_config *c = NULL;

	memset(w, 0, sizeof(*w));
	/* A warning never fails the load. */
	if (config_load_with(f->path, &o, &c, f->err, sizeof(f->err)) != 0)
		fail_msg("config_load_with: %s", f->err);
	free(c);
	return w;
}

static void expect_in(const char *text, const char *part)
{
	if (!strstr(text, part))
		fail_msg("\"%s\" does not contain \"%s\"", text, part);
}

static void expect_end(const char *text, const char *tail)
{
	size_t n = strlen(text), k = strlen(tail);

	if (n < k || strcmp(text + n - k, tail) != 0)
		fail_msg("\"%s\" does not end with \"%s\"", text, tail);
}

static void test_service_warnings(void **state)
{
	struct fixture *f = *state;
	char pam[PATH_MAX], file[PATH_MAX], want[2 * PATH_MAX + 64];
	struct warnings w;

	tmp_join(pam, sizeof(pam), f->dir, "pam.d");
	assert_int_equal(mkdir(pam, 0755), 0);
	/* common-auth and sudo use pam_vigil directly, sshd through Debian's
	 * @include, su through a substack; login does not. */
	tmp_join(file, sizeof(file), pam, "common-auth");
	put(file, "auth required pam_unix.so\nauth required /lib/security/pam_vigil.so\n");
	tmp_join(file, sizeof(file), pam, "sshd");
	put(file, "# pam_vigil in a comment does not count\n@include common-auth\n");
	tmp_join(file, sizeof(file), pam, "sudo");
	put(file, "auth requisite pam_vigil.so\n");
	tmp_join(file, sizeof(file), pam, "su");
	put(file, "auth substack common-auth\n");
	tmp_join(file, sizeof(file), pam, "login");
	put(file, "auth required pam_unix.so # not pam_vigil here\n");

	/* A service that exists: no warning. */
	put(f->path, "[service.sshd]\nstepup_at = 50\n[service.login]\nprivileged = no\n");
	assert_int_equal(load_warnings(f, pam, &w)->n, 0);

	/* "ssh" for sshd: one warning naming the section's own line, the PAM
	 * directory, a guess, and the services that use pam_vigil. */
	put(f->path, "[policy]\nstepup_at = 20\n\n[service.ssh] # typo\n\nstepup_at = 50\n");
	load_warnings(f, pam, &w);
	assert_int_equal(w.n, 1);
	snprintf(want, sizeof(want), "%s:4: [service.ssh]: no PAM service 'ssh' in %s", f->path, pam);
	if (strncmp(w.text[0], want, strlen(want)) != 0)
		fail_msg("warning \"%s\", expected \"%s...\"", w.text[0], want);
	expect_in(w.text[0], "so no login uses these settings");
	expect_in(w.text[0], "did you mean [service.sshd]?");
	expect_end(w.text[0], " services there that use pam_vigil: common-auth, sshd, su, sudo");

	/* Two unknown services, one in a drop-in: each named where it is. */
	put(f->path, "[service.sshd2]\nprivileged = no\n");
	put_dropin(f, "10-x.conf", "[service.sudo]\nprivileged = yes\n[service.doas]\nprivileged = yes\n");
	load_warnings(f, pam, &w);
	assert_int_equal(w.n, 2);
	expect_in(w.text[0], "vigil.conf:1: [service.sshd2]: no PAM service 'sshd2'");
	expect_in(w.text[0], "did you mean [service.sshd]?");
	expect_in(w.text[1], "10-x.conf:3: [service.doas]: no PAM service 'doas'");
	assert_null(strstr(w.text[1], "did you mean"));
	tmp_join(file, sizeof(file), f->dropin, "10-x.conf");
	assert_int_equal(unlink(file), 0);

	/* No service uses pam_vigil: the files there are listed instead. */
	tmp_join(file, sizeof(file), pam, "common-auth");
	put(file, "auth required pam_unix.so\n");
	tmp_join(file, sizeof(file), pam, "sudo");
	put(file, "auth required pam_unix.so\n");
	put(f->path, "[service.ssh]\nprivileged = no\n");
	load_warnings(f, pam, &w);
	assert_int_equal(w.n, 1);
	expect_end(w.text[0], " no service there uses pam_vigil; files there: common-auth, login, sshd, su, sudo");

	/* A directory is not a service. */
	tmp_join(file, sizeof(file), pam, "dir");
	assert_int_equal(mkdir(file, 0755), 0);
	put(f->path, "[service.dir]\nprivileged = no\n");
	assert_int_equal(load_warnings(f, pam, &w)->n, 1);

	/* No PAM directory: nothing can be said, nothing is. */
	tmp_join(file, sizeof(file), f->dir, "no-such-dir");
	put(f->path, "[service.ssh]\nprivileged = no\n");
	assert_int_equal(load_warnings(f, file, &w)->n, 0);
	/* config_load() itself looks for no warnings. */
	free(load_ok(f));
}

static void test_file_owner(void **state)
{
	struct fixture *f = *state;

	if (geteuid() != 0)
		skip(); /* needs chown */
	put(f->path, "[risk]\n");
	assert_int_equal(chown(f->path, 65534, 65534), 0);
	load_fails_at(f, f->path, 0, "owned by uid 65534, must be owned by root");
}

static void test_shipped_config_is_defaults(void **state)
{
	struct fixture *f = *state;
	const char *top = getenv("top_srcdir");
	struct vigil_config d, *c;
	char shipped[PATH_MAX], *text;
	long n;
	FILE *in;

	if (!top || !*top)
		fail_msg("top_srcdir is not set (make check sets it)");
	tmp_join(shipped, sizeof(shipped), top, "conf/vigil.conf");
	/* Copied, so the checkout's umask does not decide the mode. */
	in = fopen(shipped, "re");
	if (!in)
		fail_msg("cannot open %s", shipped);
	assert_int_equal(fseek(in, 0, SEEK_END), 0);
	n = ftell(in);
	assert_true(n > 0);
	rewind(in);
	text = malloc((size_t)n);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, in), (size_t)n);
	fclose(in);
	put_n(f->path, text, (size_t)n, 0644);
	free(text);

	c = load_ok(f);
	config_defaults(&d);
	/* The values; not when or from where they were loaded. */
	assert_memory_equal(c, &d, offsetof(struct vigil_config, loaded));
	free(c);
}

static void test_config_service(void **state)
{
	struct vigil_config c;
	struct service_view v;
	struct service_policy *s;

	config_defaults(&c);
	config_service(&c, "sshd", &v);
	assert_int_equal(v.stepup_at, 30);
	assert_int_equal(v.deny_at, 100);
	assert_int_equal(v.fresh_window, 300);
	assert_false(v.privileged);
	config_service(&c, "sudo", &v);
	assert_true(v.privileged);
	config_service(&c, "sudo-i", &v);
	assert_true(v.privileged);
	config_service(&c, "su", &v);
	assert_true(v.privileged);
	config_service(&c, "su-l", &v);
	assert_true(v.privileged);
	config_service(&c, "sudoedit", &v);
	assert_false(v.privileged);
	config_service(&c, NULL, &v);
	assert_false(v.privileged);
	assert_int_equal(v.stepup_at, 30);

	s = &c.services[c.n_services++];
	strcpy(s->name, "sudo");
	s->stepup_at = 5;
	s->deny_at = -1;
	s->fresh_window = 0;
	s->privileged = -1;
	config_service(&c, "sudo", &v);
	assert_int_equal(v.stepup_at, 5);
	assert_int_equal(v.deny_at, 100);
	assert_int_equal(v.fresh_window, 0);
	assert_true(v.privileged);
	s->privileged = 0;
	config_service(&c, "sudo", &v);
	assert_false(v.privileged);
	config_service(&c, "su", &v);
	assert_int_equal(v.stepup_at, 30);
	assert_true(v.privileged);
}

static void test_session_policy(void **state)
{
	struct fixture *f = *state;
	struct session_view v;
	struct vigil_config *c;

	put(f->path, "[session]\nmax_sessions = 3\nmax_sessions_per_source = 2\non_excess = end_oldest\n"
	             "idle_timeout = 600\nidle_warning = 30\nlifetime = 3600\nnopty_idle = no\n"
	             "[service.sudo]\nidle_timeout = 0\non_excess = refuse\nmax_sessions = 10\n"
	             "[session.stepped_up]\nidle_timeout = 120\nlifetime = 0\nmax_sessions = 5\n"
	             "[session.new_device]\nmax_sessions = 1\nnopty_idle = yes\nidle_warning = 10\n");
	c = load_ok(f);
	config_session(c, "sshd", STORE_BAND_PLAIN, &v);
	assert_int_equal(v.max_sessions, 3);
	assert_int_equal(v.max_sessions_per_source, 2);
	assert_int_equal(v.on_excess, ON_EXCESS_END_OLDEST);
	assert_int_equal(v.idle_timeout, 600);
	assert_int_equal(v.idle_warning, 30);
	assert_int_equal(v.lifetime, 3600);
	assert_false(v.nopty_idle);
	/* The service replaces, even with 0 (off) or a looser value. */
	config_session(c, "sudo", STORE_BAND_PLAIN, &v);
	assert_int_equal(v.idle_timeout, 0);
	assert_int_equal(v.on_excess, ON_EXCESS_REFUSE);
	assert_int_equal(v.max_sessions, 10);
	assert_int_equal(v.lifetime, 3600);
	/* A band only tightens: a smaller value or one where the service's is
	 * off counts; its 0 and its larger values do not. */
	config_session(c, "sudo", STORE_BAND_STEPPED_UP, &v);
	assert_int_equal(v.idle_timeout, 120);
	assert_int_equal(v.lifetime, 3600);
	assert_int_equal(v.max_sessions, 5);
	config_session(c, "sshd", STORE_BAND_STEPPED_UP, &v);
	assert_int_equal(v.max_sessions, 3);
	config_session(c, "sshd", STORE_BAND_NEW_DEVICE, &v);
	assert_int_equal(v.max_sessions, 1);
	assert_true(v.nopty_idle);
	assert_int_equal(v.idle_warning, 10);
	assert_int_equal(v.idle_timeout, 600);
	free(c);

	text_fails_at(f, "[session]\non_excess = kill\n", 2, "'kill' is not refuse or end_oldest");
	text_fails_at(f, "[session]\nidle_timeout = 2592001\n", 2, "from 0 to 2592000");
	text_fails_at(f, "[session.risky]\nidle_timeout = 5\n", 2, "unknown section [session.risky]");
	text_fails_at(f, "[session.stepped_up]\nhistory_days = 5\n", 2, "unknown key 'history_days'");
	text_fails_at(f, "[session.new_device]\nlifetime = 5\nlifetime = 6\n", 3, "set twice");
	text_fails_at(f, "[service.sshd]\nnopty_idle = maybe\n", 2, "is not yes or no");
	text_fails_at(f, "[service.sshd]\nidle_warning = 1\nidle_warning = 2\n", 3, "set twice");
}

static void test_cidr(void **state)
{
	static const char *const bad[] = {
	    "",       "10.0.0.1/8",        "10.0.0.0/33", "10.0.0.0/",      "/0",         "10.0.0.0/8/8",
	    "10.0.0", "10.0.0.0/08x",      "::1/129",     "2001:db8::1/32", "fe80::1%lo", "1.2.3.4 ",
	    "host",   "::ffff:1.2.3.4/95",
	};
	struct cidr c, list[8];
	unsigned n = 0;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cidr_parse(bad[i], &c) != -EINVAL)
			fail_msg("cidr_parse accepted \"%s\"", bad[i]);
	assert_int_equal(cidr_parse(NULL, &c), -EINVAL);

	assert_int_equal(cidr_parse("0.0.0.0/0", &c), 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix, 0);
	assert_int_equal(cidr_parse("::/0", &c), 0);
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(cidr_parse("2001:db8::", &c), 0);
	assert_int_equal(c.prefix, 128);
	assert_int_equal(cidr_parse("10.128.0.0/9", &c), 0);
	assert_int_equal(c.addr[1], 128);

	assert_int_equal(cidr_parse("10.128.0.0/9", &list[n++]), 0);
	assert_int_equal(cidr_parse("192.0.2.7", &list[n++]), 0);
	assert_int_equal(cidr_parse("2001:db8:1::/63", &list[n++]), 0);
	assert_int_equal(cidr_parse("::ffff:198.51.100.0/120", &list[n++]), 0);

	assert_true(cidr_list_match(list, n, "10.128.0.1"));
	assert_true(cidr_list_match(list, n, "10.255.255.255"));
	assert_false(cidr_list_match(list, n, "10.127.255.255"));
	assert_true(cidr_list_match(list, n, "192.0.2.7"));
	assert_false(cidr_list_match(list, n, "192.0.2.8"));
	assert_true(cidr_list_match(list, n, "2001:db8:1:1::1"));
	assert_false(cidr_list_match(list, n, "2001:db8:1:2::1"));
	assert_true(cidr_list_match(list, n, "2001:DB8:1::abcd"));
	/* IPv4-mapped and plain IPv4 are the same source, both ways. */
	assert_true(cidr_list_match(list, n, "::ffff:10.200.1.1"));
	assert_true(cidr_list_match(list, n, "::FFFF:192.0.2.7"));
	assert_false(cidr_list_match(list, n, "::ffff:192.0.2.8"));
	assert_true(cidr_list_match(list, n, "198.51.100.9"));
	assert_true(cidr_list_match(list, n, "::ffff:198.51.100.9"));
	assert_false(cidr_list_match(list, n, "198.51.101.9"));
	/* Not the IPv4-compatible or NAT64 forms. */
	assert_false(cidr_list_match(list, n, "::10.200.1.1"));
	assert_false(cidr_list_match(list, n, "64:ff9b::10.200.1.1"));
	/* A zone is not part of the address. */
	assert_true(cidr_list_match(list, n, "2001:db8:1::1%eth0"));
	/* Nothing that does not parse matches, nor does an empty list. */
	assert_false(cidr_list_match(list, n, ""));
	assert_false(cidr_list_match(list, n, "10.128.0.1 "));
	assert_false(cidr_list_match(list, n, "host.example"));
	assert_false(cidr_list_match(list, n, NULL));
	assert_false(cidr_list_match(list, 0, "10.128.0.1"));

	n = 0;
	assert_int_equal(cidr_parse("0.0.0.0/0", &list[n++]), 0);
	assert_true(cidr_list_match(list, n, "203.0.113.1"));
	assert_true(cidr_list_match(list, n, "::ffff:203.0.113.1"));
	assert_false(cidr_list_match(list, n, "2001:db8::1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test_setup_teardown(test_empty_file_is_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_every_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bool_and_enum_spellings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_structure_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_indentation_ignored, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_err_buffer_optional, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_too_many, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_long_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dropins, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dropin_unsafe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cross_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_owner, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_inline_comments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_service_warnings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shipped_config_is_defaults, setup, teardown),
	    cmocka_unit_test(test_config_service),
	    cmocka_unit_test_setup_teardown(test_session_policy, setup, teardown),
	    cmocka_unit_test(test_cidr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
