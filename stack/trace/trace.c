/*
 * trace.c — the trace bus and its two plain sinks (text log, JSON Lines).
 *
 * A layer fills a struct tapir_event and calls tapir_trace_emit(); the bus
 * hands it to each attached sink in the order they were attached. Sinks
 * must not call back into the stack.
 */
#include <errno.h>
#include <string.h>

#include "tapir/trace.h"

void tapir_trace_init(struct tapir_trace *trace)
{
	memset(trace, 0, sizeof(*trace));
}

int tapir_trace_attach(struct tapir_trace *trace, tapir_trace_fn fn, void *user)
{
	if (trace->nsinks >= TAPIR_TRACE_SINKS)
		return -ENOSPC;
	trace->sinks[trace->nsinks].fn = fn;
	trace->sinks[trace->nsinks].user = user;
	trace->nsinks++;
	return 0;
}

void tapir_trace_detach(struct tapir_trace *trace, tapir_trace_fn fn, void *user)
{
	for (unsigned i = 0; i < trace->nsinks; i++) {
		if (trace->sinks[i].fn != fn || trace->sinks[i].user != user)
			continue;
		memmove(&trace->sinks[i], &trace->sinks[i + 1],
		        (trace->nsinks - i - 1) * sizeof(trace->sinks[0]));
		trace->nsinks--;
		return;
	}
}

void tapir_trace_emit(struct tapir_trace *trace, const struct tapir_event *ev)
{
	if (!trace)
		return;
	for (unsigned i = 0; i < trace->nsinks; i++)
		trace->sinks[i].fn(trace->sinks[i].user, ev);
}

void tapir_text_sink(void *user, const struct tapir_event *ev)
{
	struct tapir_text_sink *sink = user;
	char line[512];

	if (ev->level > sink->level)
		return;
	tapir_event_format_text(ev, line, sizeof(line));
	fprintf(sink->out, "%s\n", line);
}

void tapir_jsonl_sink(void *user, const struct tapir_event *ev)
{
	struct tapir_jsonl_sink *sink = user;
	char line[2048]; /* every field of every event fits with room to spare */

	tapir_event_format_json(ev, line, sizeof(line));
	fprintf(sink->out, "%s\n", line);
	fflush(sink->out);
}
