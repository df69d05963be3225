/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Origins of configuration values (see config_origin.h).  The strings come
 * from the parser (section and key names it accepted, file paths it
 * opened); they are still bounded here, and a path too long for the wire is
 * kept as its last bytes, the part that names the file.
 */
#include <stdbool.h>
#include <string.h>

#include "config_origin.h"

static bool fits(const char *s, size_t cap)
{
	return strnlen(s, cap) < cap;
}

static uint16_t file_index(struct config_origins *o, const char *file)
{
	size_t len = strlen(file);
	const char *tail = len > VIGIL_CONF_FILE_MAX ? file + len - VIGIL_CONF_FILE_MAX : file;
	unsigned i;

	for (i = 0; i < o->n_files; i++)
		if (strcmp(o->files[i], tail) == 0)
			return (uint16_t)i;
	if (o->n_files >= CONFIG_ORIGIN_FILES_MAX)
		return CONFIG_ORIGIN_FILES_MAX;
	memcpy(o->files[o->n_files], tail, strlen(tail) + 1);
	return (uint16_t)o->n_files++;
}

void config_origin_note(struct config_origins *o, const char *section, const char *key, unsigned nth, const char *file,
                        unsigned line)
{
	struct config_origin *slot = NULL;
	unsigned i;

	if (!fits(section, sizeof(o->o[0].section)) || !fits(key, sizeof(o->o[0].key)) || nth > UINT16_MAX)
		return;
	for (i = 0; i < o->n; i++)
		if (o->o[i].nth == nth && strcmp(o->o[i].section, section) == 0 && strcmp(o->o[i].key, key) == 0) {
			slot = &o->o[i];
			break;
		}
	if (!slot) {
		if (o->n >= CONFIG_ORIGINS_MAX)
			return;
		slot = &o->o[o->n++];
		memcpy(slot->section, section, strlen(section) + 1);
		memcpy(slot->key, key, strlen(key) + 1);
		slot->nth = (uint16_t)nth;
	}
	slot->file = file_index(o, file);
	slot->line = line;
}

const char *config_origin_find(const struct config_origins *o, const char *section, const char *key, unsigned nth,
                               uint32_t *ret_line)
{
	unsigned i;

	for (i = 0; i < o->n; i++) {
		const struct config_origin *x = &o->o[i];

		if (x->nth != nth || strcmp(x->section, section) != 0 || strcmp(x->key, key) != 0)
			continue;
		*ret_line = x->line;
		return x->file < o->n_files ? o->files[x->file] : "(a drop-in)";
	}
	*ret_line = 0;
	return "";
}
