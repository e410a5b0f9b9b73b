/*
 * fuzz_stack.c — the whole receive path under libFuzzer: the input is a
 * sequence of frames, each preceded by a 2-byte length and a 1-byte time
 * step (in 100 ms units), delivered to a stack at 10.0.0.2 on a sim link.
 * Every layer (Ethernet, ARP, IPv4 with reassembly, ICMP, UDP, TCP) sees
 * them; whatever the stack sends back is drained. A fresh stack per input
 * keeps runs independent; sanitizers catch any memory error or leak.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tapir/link.h"
#include "tapir/options.h"
#include "tapir/stack.h"
#include "tapir/udp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drain(struct tapir_link *peer, tapir_time now)
{
	uint8_t buf[TAPIR_FRAME_MAX];

	while (tapir_link_recv(peer, buf, sizeof(buf), now) > 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tapir_stack_config cfg;
	struct tapir_link *ours, *peer;
	struct tapir_stack *stack;
	struct tapir_udp *udp;
	tapir_time now = TAPIR_SECONDS(1);
	size_t pos = 0;

	if (tapir_sim_pair(0, TAPIR_MTU_DEFAULT, &ours, &peer) < 0)
		return 0;
	tapir_stack_config_default(&cfg);
	if (tapir_stack_new(&cfg, ours, NULL, now, &stack) < 0)
		abort();
	/* A bound UDP port, so datagrams reach a socket queue too. */
	if (tapir_udp_open(stack, &udp) == 0)
		tapir_udp_bind(udp, 7);
	while (pos + 3 <= size) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];

		now += TAPIR_MS(100) * data[pos + 2];
		pos += 3;
		if (len > size - pos)
			len = size - pos;
		tapir_link_send(peer, data + pos, len, now);
		pos += len;
		tapir_stack_poll(stack, now);
		drain(peer, now);
	}
	/* Let every timer run out: reassembly, ARP, TCP. */
	now += TAPIR_SECONDS(600);
	tapir_stack_poll(stack, now);
	drain(peer, now);
	tapir_stack_free(stack);
	tapir_link_close(ours);
	tapir_link_close(peer);
	return 0;
}
