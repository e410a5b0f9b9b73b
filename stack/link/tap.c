/*
 * tap.c — a Linux TAP device as a tapir link.
 *
 * A TAP device is a virtual Ethernet card whose "wire" is a file descriptor:
 * every frame the kernel sends out of the device can be read() from
 * /dev/net/tun, and every frame we write() there arrives at the kernel as if
 * it came in on the wire. We attach with the TUNSETIFF ioctl, asking for
 * IFF_TAP (Ethernet frames, not bare IP packets) and IFF_NO_PI (no extra
 * 4-byte packet-information header in front of each frame). See the kernel's
 * Documentation/networking/tuntap.rst.
 *
 * TUNSETIFF creates the device when it does not exist. tapir never wants
 * that — the lab network (scripts/netns.sh) makes the device and gives it an
 * address — so we check that it exists first and refuse with -ENODEV.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tapir/link.h"
#include "tapir/options.h"

#define ETH_HEADER_LEN 14
/* Big enough for any frame the kernel can hand us, so we always learn a
 * frame's full length even when the caller's buffer is smaller. */
#define TAP_SCRATCH_SIZE 65536

struct tap_link {
	struct tapir_link base; /* first member: a tap_link is a tapir_link */
	int fd;
	uint8_t scratch[TAP_SCRATCH_SIZE];
};

static struct tap_link *tap_from_link(struct tapir_link *link)
{
	return (struct tap_link *)link;
}

/* Read one frame if the kernel has one; never blocks. */
static int tap_recv(struct tapir_link *link, uint8_t *buf, size_t cap, tapir_time now)
{
	struct tap_link *tap = tap_from_link(link);
	ssize_t n;
	size_t copy;

	(void)now;
	n = read(tap->fd, tap->scratch, sizeof(tap->scratch));
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		return -errno;
	}
	copy = (size_t)n;
	if (copy > sizeof(tap->scratch))
		copy = sizeof(tap->scratch);
	if (copy > cap)
		copy = cap;
	if (copy > 0)
		memcpy(buf, tap->scratch, copy);
	return (int)n;
}

static int tap_send(struct tapir_link *link, const uint8_t *frame, size_t len, tapir_time now)
{
	struct tap_link *tap = tap_from_link(link);
	ssize_t n;

	(void)now;
	if (len > (size_t)link->mtu + ETH_HEADER_LEN)
		return -EMSGSIZE;
	n = write(tap->fd, frame, len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return -EAGAIN;
		return -errno;
	}
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

/* A TAP device never has anything to do by itself: wait on its fd. */
static tapir_time tap_next_due(struct tapir_link *link, tapir_time now)
{
	(void)link;
	(void)now;
	return TAPIR_TIME_NEVER;
}

static int tap_fd(struct tapir_link *link)
{
	return tap_from_link(link)->fd;
}

static void tap_close(struct tapir_link *link)
{
	struct tap_link *tap = tap_from_link(link);

	close(tap->fd);
	free(tap);
}

static const struct tapir_link_ops tap_ops = {
    .recv = tap_recv,
    .send = tap_send,
    .next_due = tap_next_due,
    .fd = tap_fd,
    .close = tap_close,
};

/* The device's MTU, asked of the kernel through any AF_INET socket. */
static unsigned tap_read_mtu(const char *ifname)
{
	struct ifreq ifr;
	unsigned mtu = TAPIR_MTU_DEFAULT;
	int sock;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return mtu;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(sock, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0)
		mtu = (unsigned)ifr.ifr_mtu;
	close(sock);
	return mtu;
}

/* The interface index of `ifname`, or a negative error (-ENODEV when there is
 * no such device in this network namespace). */
static int tap_ifindex(const char *ifname)
{
	unsigned index = if_nametoindex(ifname);

	if (index > 0)
		return (int)index;
	if (errno == ENODEV || errno == ENXIO || errno == 0)
		return -ENODEV;
	return -errno;
}

/* The error a caller should see when opening /dev/net/tun or TUNSETIFF fails. */
static int tap_open_error(int err)
{
	if (err == EACCES)
		return -EPERM;
	return -err;
}

/* Open /dev/net/tun and attach it to the device `ifname`. Returns the file
 * descriptor or a negative error. */
static int tap_attach(const char *ifname)
{
	struct ifreq ifr;
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return tap_open_error(errno);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = tap_open_error(errno);

		close(fd);
		return err;
	}
	return fd;
}

int tapir_tap_open(const char *ifname, struct tapir_link **out)
{
	struct tap_link *tap;
	int index, fd;

	if (!ifname || !out || ifname[0] == '\0' || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	*out = NULL;

	/* Refuse to let TUNSETIFF create a device that is not there. */
	index = tap_ifindex(ifname);
	if (index < 0)
		return index;
	fd = tap_attach(ifname);
	if (fd < 0)
		return fd;
	/* The device could have vanished between the check and the attach, in
	 * which case TUNSETIFF made a new one with a new index. Closing our fd
	 * removes it again (it is not persistent). */
	if (tap_ifindex(ifname) != index) {
		close(fd);
		return -ENODEV;
	}

	tap = calloc(1, sizeof(*tap));
	if (!tap) {
		close(fd);
		return -ENOMEM;
	}
	tap->base.ops = &tap_ops;
	tap->base.inner = NULL;
	tap->base.mtu = tap_read_mtu(ifname);
	snprintf(tap->base.name, sizeof(tap->base.name), "%s", ifname);
	tap->fd = fd;
	*out = &tap->base;
	return 0;
}
