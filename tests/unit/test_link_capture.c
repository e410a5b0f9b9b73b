/*
 * test_link_capture.c — the pcap capture middleware (stack/link/capture.c)
 * around one end of a sim pair. Every frame sent and received must come back
 * out of the file, read with libpcap's own pcap_open_offline(), with the same
 * bytes, lengths and timestamps (now + epoch_offset).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tapir/link.h"
#include "tapir/options.h"

#define MTU        1500
#define FRAME_MAX  (MTU + 14)
#define EPOCH_2024 TAPIR_SECONDS(1704067200) /* 2024-01-01T00:00:00Z */

struct fixture {
	char dir[64];
	char path[96];
};

static int fixture_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/tapir-capture-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/test.pcap", fx->dir);
	*state = fx;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	unlink(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* A frame of `len` bytes, different for every seed. */
static void make_frame(uint8_t *frame, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		frame[i] = (uint8_t)(seed * 7 + i * 13);
}

struct expected {
	size_t len;    /* length on the wire */
	size_t caplen; /* bytes in the file */
	unsigned seed;
	tapir_time ts; /* now + epoch_offset */
};

/* Read the file back and check every record against `want`. */
static void check_file(const char *path, const struct expected *want, size_t n)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint8_t frame[FRAME_MAX];
	pcap_t *p = pcap_open_offline(path, errbuf);
	size_t i = 0;

	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	while (pcap_next_ex(p, &hdr, &data) == 1) {
		assert_true(i < n);
		assert_int_equal(hdr->len, want[i].len);
		assert_int_equal(hdr->caplen, want[i].caplen);
		assert_int_equal(hdr->ts.tv_sec, want[i].ts / 1000000);
		assert_int_equal(hdr->ts.tv_usec, want[i].ts % 1000000);
		make_frame(frame, want[i].len, want[i].seed);
		assert_memory_equal(data, frame, want[i].caplen);
		i++;
	}
	assert_int_equal(i, n);
	pcap_close(p);
}

static void test_both_directions_written(void **state)
{
	struct fixture *fx = *state;
	struct tapir_link *ours, *far, *cap;
	uint8_t frame[FRAME_MAX], buf[FRAME_MAX];
	struct expected want[4];

	assert_int_equal(tapir_sim_pair(250, MTU, &ours, &far), 0);
	assert_int_equal(tapir_capture_open(ours, fx->path, EPOCH_2024, &cap), 0);
	assert_ptr_equal(cap->inner, ours);
	assert_int_equal(cap->mtu, MTU);
	assert_string_equal(cap->name, "sim-a+pcap");

	/* Sent at 1.5 s: a small frame and a full-size one. */
	make_frame(frame, 60, 1);
	assert_int_equal(tapir_link_send(cap, frame, 60, 1500000), 0);
	want[0] = (struct expected){60, 60, 1, EPOCH_2024 + 1500000};
	make_frame(frame, FRAME_MAX, 2);
	assert_int_equal(tapir_link_send(cap, frame, FRAME_MAX, 1500001), 0);
	want[1] = (struct expected){FRAME_MAX, FRAME_MAX, 2, EPOCH_2024 + 1500001};

	/* Received: stamped with the time the stack read it. */
	make_frame(frame, 98, 3);
	assert_int_equal(tapir_link_send(far, frame, 98, 2000000), 0);
	assert_int_equal(tapir_link_recv(cap, buf, sizeof(buf), 2000000), 0); /* not yet */
	assert_int_equal(tapir_link_recv(cap, buf, sizeof(buf), 2000250), 98);
	assert_memory_equal(buf, frame, 98);
	want[2] = (struct expected){98, 98, 3, EPOCH_2024 + 2000250};

	/* A received frame truncated by a small buffer keeps its wire length. */
	make_frame(frame, 400, 4);
	assert_int_equal(tapir_link_send(far, frame, 400, 3000000), 0);
	assert_int_equal(tapir_link_recv(cap, buf, 100, 3999999), 400);
	want[3] = (struct expected){400, 100, 4, EPOCH_2024 + 3999999};

	/* The far end got what was sent. */
	assert_int_equal(tapir_link_recv(far, buf, sizeof(buf), 1500250), 60);
	assert_int_equal(tapir_link_recv(far, buf, sizeof(buf), 1500251), FRAME_MAX);

	/* Flushed per frame: readable while still open. */
	check_file(fx->path, want, 4);
	tapir_link_close(cap);
	tapir_link_close(far);
	check_file(fx->path, want, 4);
}

static void test_refused_frames_not_written(void **state)
{
	struct fixture *fx = *state;
	struct tapir_link *ours, *far, *cap;
	static uint8_t frame[FRAME_MAX + 1];

	assert_int_equal(tapir_sim_pair(0, MTU, &ours, &far), 0);
	assert_int_equal(tapir_capture_open(ours, fx->path, 0, &cap), 0);
	assert_int_equal(tapir_link_send(cap, frame, sizeof(frame), 0), -EMSGSIZE);
	check_file(fx->path, NULL, 0);
	tapir_link_close(cap);
	tapir_link_close(far);
}

static void test_zero_offset_and_pass_through(void **state)
{
	struct fixture *fx = *state;
	struct tapir_link *ours, *far, *cap;
	uint8_t frame[64];
	struct expected want[1];

	assert_int_equal(tapir_sim_pair(700, MTU, &ours, &far), 0);
	assert_int_equal(tapir_capture_open(ours, fx->path, 0, &cap), 0);
	assert_int_equal(tapir_link_fd(cap), -1);
	assert_true(tapir_link_next_due(cap, 0) == TAPIR_TIME_NEVER);
	make_frame(frame, sizeof(frame), 5);
	assert_int_equal(tapir_link_send(far, frame, sizeof(frame), 42), 0);
	assert_int_equal(tapir_link_next_due(cap, 42), 742);
	tapir_link_close(cap);
	tapir_link_close(far);

	/* A frame at time 0 with offset 0 is stamped 0.000000. */
	assert_int_equal(tapir_sim_pair(0, MTU, &ours, &far), 0);
	assert_int_equal(tapir_capture_open(ours, fx->path, 0, &cap), 0);
	assert_int_equal(tapir_link_send(cap, frame, sizeof(frame), 0), 0);
	want[0] = (struct expected){sizeof(frame), sizeof(frame), 5, 0};
	tapir_link_close(cap);
	tapir_link_close(far);
	check_file(fx->path, want, 1);
}

static void test_chain_with_fault_closes_cleanly(void **state)
{
	struct fixture *fx = *state;
	struct tapir_faults f = {.delay = 1000, .seed = 1};
	struct tapir_link *ours, *far, *faulty, *cap;
	uint8_t frame[64], buf[FRAME_MAX];
	struct expected want[1];

	assert_int_equal(tapir_sim_pair(0, MTU, &ours, &far), 0);
	assert_int_equal(tapir_fault_open(ours, &f, &faulty), 0);
	assert_int_equal(tapir_capture_open(faulty, fx->path, 0, &cap), 0);
	make_frame(frame, sizeof(frame), 6);
	/* The capture sits above the injector: it sees the frame when the
	 * stack sends it, the far end gets it a delay later. */
	assert_int_equal(tapir_link_send(cap, frame, sizeof(frame), 10), 0);
	want[0] = (struct expected){sizeof(frame), sizeof(frame), 6, 10};
	assert_int_equal(tapir_link_next_due(cap, 10), 1010);
	assert_int_equal(tapir_link_recv(cap, buf, sizeof(buf), 1010), 0);
	assert_int_equal(tapir_link_recv(far, buf, sizeof(buf), 1010), sizeof(frame));
	tapir_link_close(cap); /* closes faulty and ours */
	tapir_link_close(far);
	check_file(fx->path, want, 1);
}

static void test_unwritable_path_fails(void **state)
{
	struct fixture *fx = *state;
	struct tapir_link *ours, *far, *cap = NULL;
	char path[128];
	FILE *file;

	assert_int_equal(tapir_sim_pair(0, MTU, &ours, &far), 0);
	snprintf(path, sizeof(path), "%s/no/such/dir/x.pcap", fx->dir);
	assert_int_equal(tapir_capture_open(ours, path, 0, &cap), -ENOENT);
	assert_int_equal(tapir_capture_open(ours, fx->dir, 0, &cap), -EISDIR);
	/* A path through a regular file (root ignores permissions, so no EACCES). */
	file = fopen(fx->path, "w");
	assert_non_null(file);
	fclose(file);
	snprintf(path, sizeof(path), "%s/x.pcap", fx->path);
	assert_int_equal(tapir_capture_open(ours, path, 0, &cap), -ENOTDIR);
	assert_int_equal(tapir_capture_open(ours, "-", 0, &cap), -EINVAL); /* not stdout */
	assert_int_equal(tapir_capture_open(ours, "", 0, &cap), -EINVAL);
	assert_int_equal(tapir_capture_open(ours, NULL, 0, &cap), -EINVAL);
	assert_int_equal(tapir_capture_open(NULL, fx->path, 0, &cap), -EINVAL);
	assert_null(cap);
	/* On failure the inner link is still the caller's, and works. */
	assert_int_equal(tapir_link_send(ours, (const uint8_t *)"0123456789abcd", 14, 0), 0);
	tapir_link_close(ours);
	tapir_link_close(far);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_both_directions_written, fixture_setup,
	                                    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_refused_frames_not_written, fixture_setup,
	                                    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_zero_offset_and_pass_through, fixture_setup,
	                                    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_chain_with_fault_closes_cleanly, fixture_setup,
	                                    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_unwritable_path_fails, fixture_setup,
	                                    fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
