/*
 * tapir-viz — the same pictures as a live `--graph DIR` run, from any
 * capture: tapir's own pcap, or tcpdump/Wireshark's of the Linux kernel.
 *
 *   tapir-viz FILE.pcap --graph DIR [--trace FILE]
 *       every TCP connection in the capture: both endpoints' state paths
 *       (inferred from the segments), a ladder diagram, a summary and
 *       DIR/index.html; --trace writes the inferred transitions as JSON
 *       Lines in the schema of a live trace (docs/trace.md).
 *   tapir-viz --compare A.pcap B.pcap --graph DIR
 *       the first connection of each capture side by side:
 *       DIR/compare.html, with each capture's own pictures in DIR/a, DIR/b.
 *
 * The reading and drawing are in the library (stack/trace/graph*.c); this
 * program parses options, reports errors and runs Graphviz's `dot`.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tapir/graph.h"
#include "viz_render.h"

#define PROG "tapir-viz"

struct viz_options {
	const char *graph;
	const char *trace;
	bool compare;
	bool render;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: " PROG " FILE.pcap --graph DIR [--trace FILE]\n"
	             "       " PROG " --compare A.pcap B.pcap --graph DIR\n"
	             "Draw the TCP connections of a capture: each endpoint's path through the RFC "
	             "9293\nstate machine (inferred from the segments), ladder diagrams, a summary "
	             "and\nDIR/index.html. Reads Ethernet, raw IP and Linux cooked captures "
	             "(pcap, pcapng).\n\n"
	             "  --graph DIR     write the pictures into DIR (created if missing)\n"
	             "  --trace FILE    also write the inferred transitions as JSON Lines\n"
	             "  --compare       compare the first connection of two captures\n"
	             "  --no-render     write DOT only, do not run Graphviz's dot\n"
	             "  --help          this text\n");
}

static int parse(int argc, char **argv, struct viz_options *o)
{
	static const struct option longopts[] = {
	    {"graph", required_argument, NULL, 'g'}, {"trace", required_argument, NULL, 't'},
	    {"compare", no_argument, NULL, 'c'},     {"no-render", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->render = true;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			o->graph = optarg;
			break;
		case 't':
			o->trace = optarg;
			break;
		case 'c':
			o->compare = true;
			break;
		case 'n':
			o->render = false;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (!o->graph || argc - optind != (o->compare ? 2 : 1)) {
		usage(stderr);
		exit(2);
	}
	return optind;
}

/* Read one capture into a new collection writing into dir. Returns 0, 1
 * when the capture was cut short (what was read is kept), -1 on error. */
static int load(const char *path, const char *dir, struct tapir_graph **out)
{
	char title[300], err[512] = "";
	int r;

	snprintf(title, sizeof(title), "capture %s", path);
	r = tapir_graph_new(dir, title, out);
	if (r < 0) {
		fprintf(stderr, PROG ": cannot write into %s: %s\n", dir, strerror(-r));
		return -1;
	}
	r = tapir_graph_read_pcap(*out, path, err, sizeof(err));
	if (r == -EIO && tapir_graph_stats(*out).packets > 0) {
		fprintf(stderr, PROG ": %s: %s (drawing what was read)\n", path, err);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, err);
		tapir_graph_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static void report(const char *path, const struct tapir_graph *g)
{
	struct tapir_graph_stats s = tapir_graph_stats(g);

	fprintf(stderr,
	        PROG ": %s: %lu packets, %u TCP connection(s)%s; %lu not TCP/IPv4, %lu "
	             "malformed, %lu segment(s) the inference could not place\n",
	        path, s.packets, s.conns, s.conns_dropped ? " (more not drawn)" : "", s.not_tcp,
	        s.malformed, s.unexplained);
}

static int finish(struct tapir_graph *g, const char *dir, bool render)
{
	int r = tapir_graph_finish(g);

	if (r < 0) {
		fprintf(stderr, PROG ": writing into %s: %s\n", dir, strerror(-r));
		return -1;
	}
	if (render && viz_render_dir(dir, PROG) > 0)
		return -1;
	return 0;
}

static int write_trace(const struct tapir_graph *g, const char *path)
{
	FILE *f = fopen(path, "w");
	int r;

	if (!f) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	r = tapir_graph_write_trace(g, f);
	if (fclose(f) != 0 || r < 0) {
		fprintf(stderr, PROG ": writing %s failed\n", path);
		return -1;
	}
	return 0;
}

static int run_single(const char *path, const struct viz_options *o)
{
	struct tapir_graph *g;
	int loaded = load(path, o->graph, &g);
	int status = loaded == 0 ? 0 : 1;

	if (loaded < 0)
		return 1;
	report(path, g);
	if (finish(g, o->graph, o->render) < 0)
		status = 1;
	if (o->trace && write_trace(g, o->trace) < 0)
		status = 1;
	tapir_graph_free(g);
	if (status == 0)
		fprintf(stderr, PROG ": open %s/index.html\n", o->graph);
	return status;
}

static int run_compare(const char *path_a, const char *path_b, const struct viz_options *o)
{
	char dir_a[1024], dir_b[1024], page[1024];
	struct tapir_graph *a = NULL, *b = NULL;
	int status = 1;
	FILE *f;

	snprintf(dir_a, sizeof(dir_a), "%s/a", o->graph);
	snprintf(dir_b, sizeof(dir_b), "%s/b", o->graph);
	snprintf(page, sizeof(page), "%s/compare.html", o->graph);
	if (load(path_a, dir_a, &a) < 0 || load(path_b, dir_b, &b) < 0)
		goto out;
	report(path_a, a);
	report(path_b, b);
	if (finish(a, dir_a, o->render) < 0 || finish(b, dir_b, o->render) < 0)
		goto out;
	f = fopen(page, "w");
	if (!f) {
		fprintf(stderr, PROG ": cannot write %s: %s\n", page, strerror(errno));
		goto out;
	}
	int r = tapir_graph_compare(a, path_a, b, path_b, f);
	if (fclose(f) != 0 && r == 0)
		r = -EIO;
	if (r == -ENOENT)
		fprintf(stderr, PROG ": no TCP connection in %s\n",
		        tapir_graph_stats(a).conns ? path_b : path_a);
	else if (r < 0)
		fprintf(stderr, PROG ": writing %s failed\n", page);
	else {
		fprintf(stderr, PROG ": open %s\n", page);
		status = 0;
	}
out:
	tapir_graph_free(a);
	tapir_graph_free(b);
	return status;
}

int main(int argc, char **argv)
{
	struct viz_options o;
	int first = parse(argc, argv, &o);

	if (o.compare)
		return run_compare(argv[first], argv[first + 1], &o);
	return run_single(argv[first], &o);
}
