/*
 * viz_render.h — turning the DOT files in a directory into SVG and PNG with
 * Graphviz's `dot`, for tapir-viz and for every program given --graph DIR
 * (apps/common.c). The library only writes DOT (it never runs programs);
 * this is the application side that does.
 *
 * Header-only because each .c file in apps/ is its own program: the two users
 * include it and get their own copy of these small functions.
 */
#ifndef TAPIR_APPS_VIZ_RENDER_H
#define TAPIR_APPS_VIZ_RENDER_H

#include <dirent.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

/* Run `dot -T<format> -o out in`; returns 0, or -1 (dot missing or failed),
 * with *missing set when dot could not be started at all. */
static inline int viz_run_dot(const char *format, const char *in, const char *out, bool *missing)
{
	char t[16];
	char *argv[] = {"dot", t, "-o", (char *)out, (char *)in, NULL};
	pid_t pid;
	int status, err;

	snprintf(t, sizeof(t), "-T%s", format);
	err = posix_spawnp(&pid, "dot", NULL, NULL, argv, environ);
	if (err != 0) {
		*missing = true;
		return -1;
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static inline bool viz_is_dot_file(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcmp(name + n - 4, ".dot") == 0;
}

/* Render every DIR/<name>.dot to <name>.svg and <name>.png. Prints what went
 * wrong to stderr under `prog`; returns the number of failures. */
static inline int viz_render_dir(const char *dir, const char *prog)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool missing = false;
	int failures = 0;

	if (!d) {
		fprintf(stderr, "%s: cannot read %s: %s\n", prog, dir, strerror(errno));
		return 1;
	}
	while ((e = readdir(d)) != NULL && !missing) {
		char in[1024], out[1040];
		size_t n = strlen(e->d_name);

		if (!viz_is_dot_file(e->d_name) || strlen(dir) + n + 8 >= sizeof(in))
			continue;
		snprintf(in, sizeof(in), "%s/%s", dir, e->d_name);
		snprintf(out, sizeof(out), "%s/%.*s.svg", dir, (int)(n - 4), e->d_name);
		failures += viz_run_dot("svg", in, out, &missing) < 0;
		snprintf(out, sizeof(out), "%s/%.*s.png", dir, (int)(n - 4), e->d_name);
		if (!missing)
			failures += viz_run_dot("png", in, out, &missing) < 0;
	}
	closedir(d);
	if (missing)
		fprintf(
		    stderr,
		    "%s: Graphviz `dot` was not found: the .dot files in %s are written but not "
		    "drawn (install graphviz: scripts/deps.sh)\n",
		    prog, dir);
	else if (failures)
		fprintf(stderr, "%s: dot failed on %d file(s) in %s\n", prog, failures, dir);
	return failures;
}

#endif /* TAPIR_APPS_VIZ_RENDER_H */
