/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for where configuration values come from (config_origin.c,
 * recorded by config.c) and the flat list `vigilctl config` pages through
 * (config_entries.c): a value set in the main file carries its line, a
 * drop-in overrides it with its own file and line, each [network] entry has
 * the line that added it, [service.*] keys theirs, a value nobody set is a
 * default (file "", line 0), and a list longer than the room given is
 * counted, not overrun.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "config.h"
#include "config_entries.h"
#include "tmpdir.h"

struct fixture {
	char dir[PATH_MAX];
	char path[PATH_MAX];
	char dropin_dir[PATH_MAX];
	char dropin[PATH_MAX];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || tmp_mkdtemp("test_config_entries", f->dir, sizeof(f->dir)) < 0)
		return -1;
	tmp_join(f->path, sizeof(f->path), f->dir, "vigil.conf");
	if ((size_t)snprintf(f->dropin_dir, sizeof(f->dropin_dir), "%s.d", f->path) >= sizeof(f->dropin_dir))
		return -1;
	tmp_join(f->dropin, sizeof(f->dropin), f->dropin_dir, "50-local.conf");
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

static void put(const char *path, const char *text)
{
	tmp_write_file(path, text, strlen(text), 0644);
}

static struct vigil_config *load(struct fixture *f)
{
	struct vigil_config *c = NULL;
	char err[512];

	if (config_load(f->path, &c, err, sizeof(err)) != 0)
		fail_msg("config_load: %s", err);
	return c;
}

/* The entry for section/key (the nth of that key), or NULL. */
static const struct vigil_config_entry *find(const struct vigil_config_entry *e, size_t n, const char *section,
                                             const char *key, unsigned nth)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].section, section) == 0 && strcmp(e[i].key, key) == 0 && nth-- == 0)
			return &e[i];
	return NULL;
}

static void assert_origin(const struct vigil_config_entry *e, const char *value, const char *file, unsigned line)
{
	assert_non_null(e);
	assert_string_equal(e->value, value);
	assert_string_equal(e->file, file);
	assert_int_equal(e->line, line);
}

static void test_origins(void **state)
{
	struct fixture *f = *state;
	struct vigil_config_entry *e = calloc(CONFIG_ENTRIES_MAX, sizeof(*e));
	struct vigil_config *c;
	size_t n;

	assert_non_null(e);
	put(f->path, "# main\n"
	             "[policy]\n"
	             "stepup_at = 25\n"
	             "mode = enforce\n"
	             "[network]\n"
	             "deny = 203.0.113.0/24, 198.51.100.0/24\n"
	             "deny = 192.0.2.0/24\n"
	             "[service.sudo]\n"
	             "fresh_window = 60\n");
	assert_int_equal(mkdir(f->dropin_dir, 0755), 0);
	put(f->dropin, "[policy]\n\nmode = learn\n");
	c = load(f);
	n = config_entries(c, e, CONFIG_ENTRIES_MAX);
	assert_true(n > 30 && n <= CONFIG_ENTRIES_MAX);

	assert_origin(find(e, n, "policy", "stepup_at", 0), "25", f->path, 3);
	/* The drop-in overrides the main file: its file and line. */
	assert_origin(find(e, n, "policy", "mode", 0), "learn", f->dropin, 3);
	/* Each list entry, with the line that added it. */
	assert_origin(find(e, n, "network", "deny", 0), "203.0.113.0/24", f->path, 6);
	assert_origin(find(e, n, "network", "deny", 1), "198.51.100.0/24", f->path, 6);
	assert_origin(find(e, n, "network", "deny", 2), "192.0.2.0/24", f->path, 7);
	assert_null(find(e, n, "network", "allow", 0));
	assert_origin(find(e, n, "service.sudo", "fresh_window", 0), "60", f->path, 9);
	/* A key the section leaves to inherit is not listed. */
	assert_null(find(e, n, "service.sudo", "stepup_at", 0));
	/* Nobody set these: defaults. */
	assert_origin(find(e, n, "risk", "new_device", 0), "40", "", 0);
	assert_origin(find(e, n, "totp", "issuer", 0), "Vigil", "", 0);
	assert_origin(find(e, n, "policy", "deny_at", 0), "100", "", 0);
	assert_true(c->loaded > 0);

	/* Less room than entries: counted, never written past the end. */
	memset(e, 0xa5, CONFIG_ENTRIES_MAX * sizeof(*e));
	assert_int_equal(config_entries(c, e, 3), n);
	assert_string_equal(e[2].key, "new_prefix");
	assert_int_equal(((unsigned char *)&e[3])[0], 0xa5);
	free(c);
	free(e);
}

static void test_origin_bounds(void **state)
{
	struct config_origins *o = calloc(1, sizeof(*o));
	char section[VIGIL_CONF_SECTION_MAX + 2], file[VIGIL_CONF_FILE_MAX + 20];
	uint32_t line = 99;
	const char *got;

	(void)state;
	assert_non_null(o);
	/* A path longer than the wire takes keeps its end, the file's name. */
	memset(file, 'd', sizeof(file) - 1);
	file[sizeof(file) - 1] = '\0';
	memcpy(file + sizeof(file) - 8, "/x.conf", 8);
	config_origin_note(o, "policy", "deny_at", 0, file, 7);
	got = config_origin_find(o, "policy", "deny_at", 0, &line);
	assert_int_equal(strlen(got), VIGIL_CONF_FILE_MAX);
	assert_string_equal(got + strlen(got) - 7, "/x.conf");
	assert_int_equal(line, 7);
	/* A section name too long to send is not recorded (a default then). */
	memset(section, 's', sizeof(section) - 1);
	section[sizeof(section) - 1] = '\0';
	config_origin_note(o, section, "k", 0, "/f", 1);
	assert_string_equal(config_origin_find(o, section, "k", 0, &line), "");
	assert_int_equal(line, 0);
	/* Past the table: dropped, never written out of bounds. */
	for (unsigned i = 0; i < CONFIG_ORIGINS_MAX + 10; i++)
		config_origin_note(o, "network", "allow", i, "/f", i + 1);
	assert_int_equal(o->n, CONFIG_ORIGINS_MAX);
	/* More files than kept: the value is still placed, in "a drop-in". */
	for (unsigned i = 0; i < CONFIG_ORIGIN_FILES_MAX + 2; i++) {
		char name[32];

		snprintf(name, sizeof(name), "/d/%u.conf", i);
		config_origin_note(o, "policy", "deny_at", 0, name, i + 1);
	}
	assert_string_equal(config_origin_find(o, "policy", "deny_at", 0, &line), "(a drop-in)");
	assert_int_equal(line, CONFIG_ORIGIN_FILES_MAX + 2);
	free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_origins, setup, teardown),
	    cmocka_unit_test(test_origin_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
