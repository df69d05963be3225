/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * softkey-probe: drives libfido2 where fido2-tools cannot, for
 * softkey-smoke.sh.  Runs with softkey.so preloaded.
 *
 *   softkey-probe info            manifest, fido_dev_new_with_info,
 *                                 fido_dev_open_with_info, GetInfo
 *   softkey-probe timeout MS      MakeCredential with fido_dev_set_timeout(MS)
 *   softkey-probe cancel          MakeCredential, fido_dev_cancel from another
 *                                 thread after 200 ms
 *   softkey-probe cred            MakeCredential, then what libfido2 makes of
 *                                 the attestation (for fmt "none", which
 *                                 fido2-cred cannot print)
 *
 * Prints the libfido2 result (fido_strerr) and the milliseconds it took.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fido.h>

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static int info(void)
{
	fido_dev_info_t *list = fido_dev_info_new(8);
	fido_cbor_info_t *ci = fido_cbor_info_new();
	fido_dev_t *dev = NULL;
	size_t n = 0;
	int r;

	if (list == NULL || ci == NULL || (r = fido_dev_info_manifest(list, 8, &n)) != FIDO_OK || n == 0) {
		printf("manifest: no device\n");
		return 1;
	}
	printf("first: %s\n", fido_dev_info_path(fido_dev_info_ptr(list, 0)));
	if ((dev = fido_dev_new_with_info(fido_dev_info_ptr(list, 0))) == NULL) {
		printf("new_with_info: NULL\n");
		return 1;
	}
	if ((r = fido_dev_open_with_info(dev)) != FIDO_OK || (r = fido_dev_get_cbor_info(dev, ci)) != FIDO_OK) {
		printf("open_with_info: %s\n", fido_strerr(r));
		return 1;
	}
	printf("fido2: %d versions: %s aaguid-len: %zu\n", fido_dev_is_fido2(dev), fido_cbor_info_versions_ptr(ci)[0],
	       fido_cbor_info_aaguid_len(ci));
	fido_dev_close(dev);
	fido_dev_free(&dev);
	fido_cbor_info_free(&ci);
	fido_dev_info_free(&list, n);
	return 0;
}

static void *cancel_later(void *arg)
{
	fido_dev_t *dev = arg;

	usleep(200 * 1000);
	fido_dev_cancel(dev);
	return NULL;
}

static int make(int timeout_ms, int cancel)
{
	static const unsigned char cdh[32], uid[4] = {1, 2, 3, 4};
	fido_dev_t *dev = fido_dev_new();
	fido_cred_t *cred = fido_cred_new();
	pthread_t t;
	long start;
	int r;

	if (dev == NULL || cred == NULL || fido_cred_set_type(cred, COSE_ES256) != FIDO_OK ||
	    fido_cred_set_clientdata_hash(cred, cdh, sizeof(cdh)) != FIDO_OK ||
	    fido_cred_set_rp(cred, "probe.example", NULL) != FIDO_OK ||
	    fido_cred_set_user(cred, uid, sizeof(uid), "probe", NULL, NULL) != FIDO_OK)
		return 1;
	if ((r = fido_dev_open(dev, "softkey:0")) != FIDO_OK) {
		printf("open: %s\n", fido_strerr(r));
		return 1;
	}
	if (!cancel && timeout_ms >= 0)
		fido_dev_set_timeout(dev, timeout_ms);
	else if (pthread_create(&t, NULL, cancel_later, dev) != 0)
		return 1;
	start = now_ms();
	r = fido_dev_make_cred(dev, cred, NULL);
	if (timeout_ms == -2 && r == FIDO_OK)
		printf("fmt=%s x5c=%zu sig=%zu pk=%zu verify=%s self=%s\n", fido_cred_fmt(cred),
		       fido_cred_x5c_len(cred), fido_cred_sig_len(cred), fido_cred_pubkey_len(cred),
		       fido_strerr(fido_cred_verify(cred)), fido_strerr(fido_cred_verify_self(cred)));
	else
		printf("%s %ld\n", fido_strerr(r), now_ms() - start);
	if (cancel)
		pthread_join(t, NULL);
	fido_dev_close(dev);
	fido_dev_free(&dev);
	fido_cred_free(&cred);
	return 0;
}

int main(int argc, char **argv)
{
	fido_init(0);
	if (argc == 2 && strcmp(argv[1], "info") == 0)
		return info();
	if (argc == 3 && strcmp(argv[1], "timeout") == 0)
		return make(atoi(argv[2]), 0);
	if (argc == 2 && strcmp(argv[1], "cancel") == 0)
		return make(-1, 1);
	if (argc == 2 && strcmp(argv[1], "cred") == 0)
		return make(-2, 0);
	fprintf(stderr, "usage: softkey-probe info | timeout MS | cancel | cred\n");
	return 2;
}
