/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The store's read-only admin queries (see store.h for the conventions):
 * users by name, login history newest first, and counts for `vigilctl
 * daemon`.  Never on the login path, never a write.  Pages are bounded by
 * VIGIL_LIST_MAX so each answer fits one frame; the caller asks again from
 * the cursor the last page ends with.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* Up to VIGIL_LIST_MAX users whose names sort after `after` ("" = from the
 * first), by name; ret->more is 1 when more follow.  ret is overwritten. */
int store_users_page(struct store *s, const char *after, struct vigil_user_list *ret);

/* Up to VIGIL_LIST_MAX logins matching q, newest first, older than q's
 * cursor; ret->more is 1 when older matching logins exist.  -EINVAL for a
 * filter out of range.  ret is overwritten. */
int store_history_page(struct store *s, const struct vigil_history_request *q, struct vigil_history_page *ret);

/* What the wire says of a login shadow or learn mode let in (enum
 * vigil_shadow), from the mode it was decided under (logins.shadow: enum
 * vigil_mode) and its verdict. */
uint8_t store_shadow_marker(uint32_t mode, uint8_t verdict);

struct store_counts {
	uint32_t users;
	uint32_t sessions_open;
	uint64_t logins;
	uint64_t db_bytes;  /* the database file */
	uint64_t wal_bytes; /* its write-ahead log, 0 if none */
};
/* Rows and file sizes, in one read transaction. */
int store_counts(struct store *s, struct store_counts *ret);
