/* SPDX-License-Identifier: BSD-3-Clause */
/* The effective configuration in vigil.conf syntax (see config_print.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_entries.h"
#include "config_print.h"

int config_print(const struct vigil_config *c, FILE *f)
{
	struct vigil_config_entry *all = calloc(CONFIG_ENTRIES_MAX, sizeof(*all));
	const char *section = NULL;
	size_t n;

	if (!all)
		return -ENOMEM;
	n = config_entries(c, all, CONFIG_ENTRIES_MAX);
	if (n > CONFIG_ENTRIES_MAX)
		n = CONFIG_ENTRIES_MAX;
	/* One entry a line, list entries too: list keys append, and a long
	 * list must not make a line longer than the parser accepts. */
	for (size_t i = 0; i < n; i++) {
		if (!section || strcmp(section, all[i].section) != 0) {
			/* [network] stands even with both its lists empty. */
			if (section && strcmp(section, "lockout") == 0 && strcmp(all[i].section, "network") != 0)
				fprintf(f, "\n[network]\n");
			fprintf(f, "%s[%s]\n", section ? "\n" : "", all[i].section);
			section = all[i].section;
		}
		fprintf(f, "%s = %s\n", all[i].key, all[i].value);
	}
	free(all);
	return 0;
}
