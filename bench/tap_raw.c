/*
 * tap_raw.c — the raw TAP ceiling: what a program that only reads and
 * writes frames on a TAP device achieves, with no stack at all. Whatever
 * tapir reaches is compared with this, measured in the same run.
 *
 *   tap_raw reflect TAP          write each IPv4 frame straight back with
 *                                Ethernet, IP and UDP addresses swapped (the
 *                                checksums stay valid: a one's-complement sum
 *                                does not depend on the order of its words)
 *   tap_raw sink TAP SECONDS     read frames for SECONDS, print MB/s received
 *   tap_raw source TAP MB        write MB of 1514-byte frames (UDP from
 *                                10.0.0.2 to 10.0.0.1 port 9), print MB/s
 *
 * The kernel side needs a static neighbour entry for 10.0.0.2 (no ARP here).
 */
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int tap_open(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void swap_bytes(unsigned char *a, unsigned char *b, size_t n)
{
	unsigned char tmp[6];

	memcpy(tmp, a, n);
	memcpy(a, b, n);
	memcpy(b, tmp, n);
}

static int reflect(int fd)
{
	unsigned char frame[65536];

	for (;;) {
		ssize_t n = read(fd, frame, sizeof(frame));

		if (n < 34 || frame[12] != 0x08 || frame[13] != 0x00)
			continue; /* only IPv4 */
		size_t ihl = (size_t)(frame[14] & 0xf) * 4;

		swap_bytes(frame, frame + 6, 6);       /* MAC addresses */
		swap_bytes(frame + 26, frame + 30, 4); /* IP addresses */
		if (frame[23] == 17 && (size_t)n >= 14 + ihl + 8)
			swap_bytes(frame + 14 + ihl, frame + 14 + ihl + 2, 2); /* UDP ports */
		if (write(fd, frame, (size_t)n) < 0) {
			perror("tap_raw: write");
			return 1;
		}
	}
}

static int sink(int fd, double seconds)
{
	unsigned char frame[65536];
	double start = 0, end;
	long long bytes = 0, frames = 0;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	for (;;) {
		if (poll(&pfd, 1, 5000) <= 0)
			break;
		ssize_t n = read(fd, frame, sizeof(frame));

		if (n <= 0)
			continue;
		if (start == 0)
			start = seconds_now();
		bytes += n;
		frames++;
		if (seconds_now() - start >= seconds)
			break;
	}
	end = seconds_now();
	printf("sink: %lld frames, %.1f MB in %.2f s: %.1f MB/s, %.0f frames/s\n", frames,
	       (double)bytes / 1e6, end - start, (double)bytes / 1e6 / (end - start),
	       (double)frames / (end - start));
	return 0;
}

static unsigned short ip_checksum(const unsigned char *h, size_t len)
{
	unsigned long sum = 0;

	for (size_t i = 0; i < len; i += 2)
		sum += (unsigned long)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned short)~sum;
}

static int source(int fd, long megabytes)
{
	unsigned char f[1514];
	long long total = megabytes * 1000000LL, sent = 0;
	double start;

	memset(f, 0, sizeof(f));
	memcpy(f, "\xff\xff\xff\xff\xff\xff\x02\x54\x41\x50\x00\x02\x08\x00", 14);
	f[14] = 0x45;
	f[16] = 1500 >> 8;
	f[17] = 1500 & 0xff;
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, "\x0a\x00\x00\x02\x0a\x00\x00\x01", 8);
	unsigned short c = ip_checksum(f + 14, 20);

	f[24] = (unsigned char)(c >> 8);
	f[25] = (unsigned char)c;
	f[34] = 0x27; /* source port 9999, destination 9, no UDP checksum */
	f[35] = 0x0f;
	f[37] = 9;
	f[38] = 1480 >> 8;
	f[39] = 1480 & 0xff;
	start = seconds_now();
	while (sent < total) {
		if (write(fd, f, sizeof(f)) == (ssize_t)sizeof(f))
			sent += (long long)sizeof(f);
	}
	double elapsed = seconds_now() - start;

	printf("source: %.1f MB in %.2f s: %.1f MB/s\n", (double)sent / 1e6, elapsed,
	       (double)sent / 1e6 / elapsed);
	return 0;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: tap_raw reflect TAP | sink TAP SECONDS | source TAP MB\n");
		return 2;
	}
	fd = tap_open(argv[2]);
	if (fd < 0) {
		perror("tap_raw: open TAP (root? device exists?)");
		return 1;
	}
	if (strcmp(argv[1], "reflect") == 0)
		return reflect(fd);
	if (strcmp(argv[1], "sink") == 0 && argc == 4)
		return sink(fd, atof(argv[3]));
	if (strcmp(argv[1], "source") == 0 && argc == 4)
		return source(fd, atol(argv[3]));
	fprintf(stderr, "tap_raw: unknown mode\n");
	return 2;
}
