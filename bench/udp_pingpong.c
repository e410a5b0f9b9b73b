/*
 * udp_pingpong.c — a kernel-socket UDP benchmark peer.
 *
 *   udp_pingpong client HOST PORT COUNT SIZE   send a datagram, wait for the
 *                                              echo, COUNT times; print the
 *                                              round trips per second
 *   udp_pingpong server PORT                   echo every datagram (the
 *                                              Linux kernel as the reference)
 *   udp_pingpong blast HOST PORT SECONDS SIZE  send datagrams as fast as
 *                                              sendmmsg(2) allows (a load to
 *                                              measure a receiver's ceiling)
 *
 * A lost datagram is retried after 200 ms and counted, so a run always ends.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_server(int port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	static char buf[65536];

	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("udp_pingpong server");
		return 1;
	}
	for (;;) {
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

		if (n >= 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
	}
}

static int run_client(const char *host, int port, long count, size_t size)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	char *out = malloc(size ? size : 1), *in = malloc(65536);
	long lost = 0;
	double start;

	if (fd < 0 || !out || !in || inet_pton(AF_INET, host, &addr.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("udp_pingpong client");
		return 1;
	}
	memset(out, 'x', size);
	start = seconds_now();
	for (long i = 0; i < count; i++) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		memcpy(out, &i, size < sizeof(i) ? size : sizeof(i));
		send(fd, out, size, 0);
		while (poll(&pfd, 1, 200) == 0) {
			lost++;
			send(fd, out, size, 0);
		}
		if (recv(fd, in, 65536, 0) < 0 && errno != EINTR) {
			perror("recv");
			return 1;
		}
	}
	double elapsed = seconds_now() - start;

	printf("%ld round trips of %zu bytes in %.3f s: %.0f per second, %.1f us each, %ld retries\n",
	       count, size, elapsed, (double)count / elapsed, elapsed / (double)count * 1e6, lost);
	free(out);
	free(in);
	return 0;
}

static int run_blast(const char *host, int port, double seconds, size_t size)
{
	enum { BATCH = 64 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	static char payload[65536];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	double start;
	long long sent = 0;

	if (fd < 0 || size > sizeof(payload) || inet_pton(AF_INET, host, &addr.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("udp_pingpong blast");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = payload;
		iov[i].iov_len = size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	start = seconds_now();
	while (seconds_now() - start < seconds) {
		int n = sendmmsg(fd, msgs, BATCH, 0);

		if (n > 0)
			sent += n;
	}
	printf("blast: %lld datagrams of %zu bytes in %.2f s\n", sent, size, seconds_now() - start);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "server") == 0)
		return run_server(atoi(argv[2]));
	if (argc == 6 && strcmp(argv[1], "client") == 0)
		return run_client(argv[2], atoi(argv[3]), atol(argv[4]), (size_t)atol(argv[5]));
	if (argc == 6 && strcmp(argv[1], "blast") == 0)
		return run_blast(argv[2], atoi(argv[3]), atof(argv[4]), (size_t)atol(argv[5]));
	fprintf(stderr, "usage: udp_pingpong client HOST PORT COUNT SIZE | server PORT | "
			"blast HOST PORT SECONDS SIZE\n");
	return 2;
}
