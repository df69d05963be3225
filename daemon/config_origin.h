/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where each value of the effective configuration came from: the file and
 * line that set it last (a drop-in overrides the main file), recorded while
 * config.c parses.  A value no file set is the built-in default.  Bounded
 * and flat (no pointers), so it lives inside struct vigil_config and is
 * freed with it.  What `vigilctl config` shows.
 */
#pragma once

#include <stdint.h>

#include "vigil/proto.h"

/* Every scalar key, each [network] list entry and each [service.*] key. */
#define CONFIG_ORIGINS_MAX 256
/* Files named; past this a value is shown as set "in a drop-in". */
#define CONFIG_ORIGIN_FILES_MAX 64

struct config_origin {
	char section[VIGIL_CONF_SECTION_MAX + 1];
	char key[VIGIL_CONF_KEY_MAX + 1];
	uint16_t nth;  /* the entry of a list key; 0 otherwise */
	uint16_t file; /* index into files, or CONFIG_ORIGIN_FILES_MAX: not kept */
	uint32_t line;
};

struct config_origins {
	unsigned n;
	struct config_origin o[CONFIG_ORIGINS_MAX];
	unsigned n_files;
	char files[CONFIG_ORIGIN_FILES_MAX][VIGIL_CONF_FILE_MAX + 1];
};

/* Records that file:line set section/key (entry nth of a list key),
 * replacing an earlier record of the same value.  Silently drops what does
 * not fit: an origin is information, never a reason to refuse a file. */
void config_origin_note(struct config_origins *o, const char *section, const char *key, unsigned nth, const char *file,
                        unsigned line);

/* The file and line that set a value; file "" and line 0 for a default.
 * The returned string lives as long as o. */
const char *config_origin_find(const struct config_origins *o, const char *section, const char *key, unsigned nth,
                               uint32_t *ret_line);
