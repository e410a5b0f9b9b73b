/*
 * fuzz_viz.c — libFuzzer harness for tapir-viz's reading path
 * (stack/trace/graph_pcap.c and graph_infer.c): any bytes are handed to
 * libpcap as a capture file through fmemopen, the frames are parsed and
 * grouped into connections and both endpoints' paths inferred; then the
 * transitions are written as JSON Lines and the comparison page with its
 * ladder diagrams is drawn (to /dev/null). Errors are fine, crashes and
 * sanitizer reports are not. Seeds: real kernel captures in
 * tests/fuzz/seeds/fuzz_viz/.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tapir/graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tapir_graph *g;
	char err[256];
	FILE *f;

	if (size == 0)
		return 0;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (tapir_graph_new("/tmp/tapir-fuzz-viz", "fuzz", &g) < 0)
		abort();
	f = fmemopen((void *)data, size, "rb");
	if (!f)
		abort();
	tapir_graph_read_pcap_stream(g, f, err, sizeof(err));
	tapir_graph_write_trace(g, devnull);
	tapir_graph_compare(g, "a", g, "b", devnull);
	tapir_graph_free(g);
	return 0;
}
