/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The words of enum fido2_status (see fido2_helper.h).  A word read from the
 * helper is untrusted input: only an exact match counts.
 */
#include <errno.h>
#include <string.h>

#include "fido2_helper.h"

static const char *const names[FIDO2_STATUS_COUNT_] = {
    [FIDO2_OK] = "ok",
    [FIDO2_NO_DEVICE] = "no_device",
    [FIDO2_TIMEOUT] = "timeout",
    [FIDO2_PIN_REQUIRED] = "pin_required",
    [FIDO2_PIN_INVALID] = "pin_invalid",
    [FIDO2_PIN_BLOCKED] = "pin_blocked",
    [FIDO2_NO_CREDENTIAL] = "no_credential",
    [FIDO2_UV_UNSUPPORTED] = "uv_unsupported",
    [FIDO2_CANCELLED] = "cancelled",
    [FIDO2_EXCLUDED] = "excluded",
    [FIDO2_INTERNAL] = "internal",
};

const char *fido2_status_name(int status)
{
	if (status < 0 || status >= FIDO2_STATUS_COUNT_)
		return names[FIDO2_INTERNAL];
	return names[status];
}

int fido2_status_parse(const char *word, int *ret)
{
	for (int i = 0; i < FIDO2_STATUS_COUNT_; i++)
		if (strcmp(word, names[i]) == 0) {
			*ret = i;
			return 0;
		}
	return -EBADMSG;
}

uint8_t fido2_status_wire(int helper_status)
{
	switch (helper_status) {
	case FIDO2_OK:
		return VIGIL_FIDO2_OK;
	case FIDO2_NO_DEVICE:
		return VIGIL_FIDO2_NO_DEVICE;
	case FIDO2_TIMEOUT:
		return VIGIL_FIDO2_TIMEOUT;
	case FIDO2_PIN_REQUIRED:
		return VIGIL_FIDO2_PIN_REQUIRED;
	case FIDO2_PIN_INVALID:
		return VIGIL_FIDO2_PIN_INVALID;
	case FIDO2_PIN_BLOCKED:
		return VIGIL_FIDO2_PIN_BLOCKED;
	case FIDO2_NO_CREDENTIAL:
		return VIGIL_FIDO2_NO_CREDENTIAL;
	case FIDO2_UV_UNSUPPORTED:
		return VIGIL_FIDO2_UV_UNSUPPORTED;
	case FIDO2_CANCELLED:
		return VIGIL_FIDO2_CANCELLED;
	default:
		/* FIDO2_EXCLUDED belongs to MakeCredential. */
		return VIGIL_FIDO2_INTERNAL;
	}
}
