/* test_pcap.c - packet captures: writer/reader round trip, tcpdump's
 * reading of our files, hand-built pcapng, every supported link type
 * and the frames the reader must skip and count, and corrupt input
 * (truncations, random bytes, absurd lengths) that must fail cleanly. */
#include "tb_test.h"

#include <sys/stat.h>

#include "formats/pcap.h"
#include "formats/pcap_int.h"

/* Link types as stored in files (tcpdump.org/linktypes.html). */
enum {
	LT_NULL = 0,
	LT_ETHERNET = 1,
	LT_RAW = 101,
	LT_LOOP = 108,
	LT_LINUX_SLL = 113,
	LT_IPV4 = 228,
	LT_IPV6 = 229,
	LT_LINUX_SLL2 = 276,
	LT_USER0 = 147
};

/* libpcap's DLT_ values for the frame parser (Linux numbering). */
enum {
	DLT_NULL_ = 0,
	DLT_EN10MB_ = 1,
	DLT_RAW_ = 12,
	DLT_LOOP_ = 108,
	DLT_LINUX_SLL_ = 113,
	DLT_IPV4_ = 228,
	DLT_IPV6_ = 229,
	DLT_LINUX_SLL2_ = 276
};

#define TS_SEC 1588619326u /* 2020-05-04 19:08:46 UTC */
#define IP_A   0x0a000001u /* 10.0.0.1 */
#define IP_B   0x0a000002u /* 10.0.0.2 */
#define PORT_A 50000
#define PORT_B 20777

static const uint8_t PAYLOAD[] = "trailbrake telemetry";
#define PAYLOAD_LEN (sizeof(PAYLOAD) - 1)

static char *tmp_dir;

/* ------------------------------------------------------------------ */
/* Byte builders over a capped tb_buf. */

static void put(struct tb_buf *b, const void *p, size_t n)
{
	assert_int_equal(tb_buf_append(b, p, n), TB_OK);
}

static void put_u8(struct tb_buf *b, unsigned v)
{
	uint8_t x = (uint8_t)v;
	put(b, &x, 1);
}

static void put_be16(struct tb_buf *b, unsigned v)
{
	put_u8(b, (v >> 8) & 0xff);
	put_u8(b, v & 0xff);
}

static void put_be32(struct tb_buf *b, uint32_t v)
{
	put_be16(b, v >> 16);
	put_be16(b, v & 0xffff);
}

static void put_le16(struct tb_buf *b, unsigned v)
{
	put_u8(b, v & 0xff);
	put_u8(b, (v >> 8) & 0xff);
}

static void put_le32(struct tb_buf *b, uint32_t v)
{
	put_le16(b, v & 0xffff);
	put_le16(b, v >> 16);
}

static void put_zero(struct tb_buf *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_u8(b, 0);
}

static void path_in_tmp(char *out, size_t cap, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", tmp_dir, name);
	assert_true(n > 0 && (size_t)n < cap);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	if (n)
		assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* Classic pcap, little endian, microseconds (pcap-savefile(5)). */
static void pcap_file_header(struct tb_buf *b, uint32_t linktype)
{
	put_le32(b, 0xa1b2c3d4u);
	put_le16(b, 2);
	put_le16(b, 4);
	put_le32(b, 0); /* thiszone */
	put_le32(b, 0); /* sigfigs */
	put_le32(b, 65535);
	put_le32(b, linktype);
}

static void pcap_record(struct tb_buf *b, uint32_t sec, uint32_t usec,
			const struct tb_buf *frame)
{
	put_le32(b, sec);
	put_le32(b, usec);
	put_le32(b, (uint32_t)frame->len);
	put_le32(b, (uint32_t)frame->len);
	put(b, frame->data, frame->len);
}

/* ------------------------------------------------------------------ */
/* Frame builders (network byte order). */

static uint16_t ip_checksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += ((uint32_t)p[i] << 8) | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

struct ip4_opt {
	unsigned ihl_words; /* 5 normally */
	unsigned frag;	    /* flags + offset field */
	unsigned proto;
	int udp_len_delta; /* added to the UDP length field */
};

static const struct ip4_opt IP4_PLAIN = {5, 0x4000, 17, 0};

static void ipv4_udp(struct tb_buf *b, const struct ip4_opt *o,
		     const uint8_t *pl, size_t n)
{
	size_t hl = o->ihl_words * 4;
	size_t start = b->len;
	put_u8(b, 0x40 | o->ihl_words);
	put_u8(b, 0);
	put_be16(b, (unsigned)(hl + 8 + n));
	put_be16(b, 0x1234);
	put_be16(b, o->frag);
	put_u8(b, 64);
	put_u8(b, o->proto);
	put_be16(b, 0);
	put_be32(b, IP_A);
	put_be32(b, IP_B);
	if (hl > 20)
		put_zero(b, hl - 20); /* options: end-of-list padding */
	uint16_t ck = ip_checksum(b->data + start, hl > 20 ? hl : 20);
	b->data[start + 10] = (uint8_t)(ck >> 8);
	b->data[start + 11] = (uint8_t)ck;
	put_be16(b, PORT_A);
	put_be16(b, PORT_B);
	put_be16(b, (unsigned)((int)(8 + n) + o->udp_len_delta));
	put_be16(b, 0);
	put(b, pl, n);
}

/* IPv6 + optional extension header (next-header value `ext`, or -1) +
 * UDP, or another final protocol. */
static void ipv6_udp(struct tb_buf *b, int ext, unsigned frag_field,
		     unsigned proto, const uint8_t *pl, size_t n)
{
	size_t ext_len = ext >= 0 ? 8 : 0;
	put_be32(b, 0x60000000u);
	put_be16(b, (unsigned)(ext_len + 8 + n));
	put_u8(b, ext >= 0 ? (unsigned)ext : proto);
	put_u8(b, 64);
	for (int i = 0; i < 2; i++) {
		put_be32(b, 0xfd000000u);
		put_be32(b, 0);
		put_be32(b, 0);
		put_be32(b, (uint32_t)(i + 1));
	}
	if (ext == 44) { /* fragment header */
		put_u8(b, proto);
		put_u8(b, 0);
		put_be16(b, frag_field);
		put_be32(b, 0xabcd);
	} else if (ext >= 0) { /* hop-by-hop: PadN filling 6 bytes */
		put_u8(b, proto);
		put_u8(b, 0);
		put_u8(b, 1);
		put_u8(b, 4);
		put_zero(b, 4);
	}
	put_be16(b, PORT_A);
	put_be16(b, PORT_B);
	put_be16(b, (unsigned)(8 + n));
	put_be16(b, 0);
	put(b, pl, n);
}

static void ether(struct tb_buf *b, int n_vlan, unsigned type)
{
	static const unsigned tpid[] = {0x88a8, 0x8100, 0x8100};
	put_zero(b, 6);
	for (int i = 0; i < 6; i++)
		put_u8(b, 0x02 + i);
	for (int i = 0; i < n_vlan; i++) {
		put_be16(b, tpid[3 - n_vlan + i]);
		put_be16(b, 100 + i);
	}
	put_be16(b, type);
}

/* ------------------------------------------------------------------ */
/* Link-layer cases: one frame each, with what the reader must make of
 * it. */

enum kase {
	K_ETH,
	K_ETH_VLAN1,
	K_ETH_VLAN2,
	K_ETH_VLAN3,
	K_ETH_ARP,
	K_ETH_IP_OPTIONS,
	K_ETH_PADDED,
	K_ETH_FRAG_FIRST,
	K_ETH_FRAG_LATER,
	K_ETH_TCP,
	K_ETH_IP6,
	K_ETH_IP6_HBH,
	K_ETH_IP6_FRAG,
	K_ETH_IP6_ATOMIC_FRAG,
	K_ETH_IP6_TCP,
	K_ETH_SHORT,
	K_ETH_UDP_TRUNC,
	K_ETH_UDP_LEN_BAD,
	K_ETH_IHL4,
	K_RAW4,
	K_RAW6,
	K_RAW_V5,
	K_IPV4,
	K_IPV4_GOT6,
	K_IPV6,
	K_SLL,
	K_SLL2,
	K_NULL_LE,
	K_NULL_BE,
	K_NULL6_BSD,
	K_NULL6_LINUX,
	K_NULL_UNKNOWN,
	K_LOOP
};

struct link_case {
	enum kase id;
	const char *name;
	uint32_t linktype; /* in the file */
	int dlt;	   /* as libpcap reports it */
	enum fmt__frame_kind want;
	bool v6;
	size_t len; /* payload length when UDP */
};

#define PL PAYLOAD_LEN
static const struct link_case CASES[] = {
    {K_ETH, "ethernet", LT_ETHERNET, DLT_EN10MB_, FMT__FRAME_UDP, 0, PL},
    {K_ETH_VLAN1, "one 802.1Q tag", LT_ETHERNET, DLT_EN10MB_, FMT__FRAME_UDP, 0,
     PL},
    {K_ETH_VLAN2, "802.1ad + 802.1Q tags", LT_ETHERNET, DLT_EN10MB_,
     FMT__FRAME_UDP, 0, PL},
    {K_ETH_VLAN3, "three tags", LT_ETHERNET, DLT_EN10MB_, FMT__FRAME_NOT_UDP, 0,
     0},
    {K_ETH_ARP, "ARP", LT_ETHERNET, DLT_EN10MB_, FMT__FRAME_NOT_UDP, 0, 0},
    {K_ETH_IP_OPTIONS, "IPv4 with options (IHL 7)", LT_ETHERNET, DLT_EN10MB_,
     FMT__FRAME_UDP, 0, PL},
    {K_ETH_PADDED, "short UDP padded to 60 bytes", LT_ETHERNET, DLT_EN10MB_,
     FMT__FRAME_UDP, 0, 2},
    {K_ETH_FRAG_FIRST, "first IPv4 fragment", LT_ETHERNET, DLT_EN10MB_,
     FMT__FRAME_FRAGMENT, 0, 0},
    {K_ETH_FRAG_LATER, "later IPv4 fragment", LT_ETHERNET, DLT_EN10MB_,
     FMT__FRAME_FRAGMENT, 0, 0},
    {K_ETH_TCP, "TCP", LT_ETHERNET, DLT_EN10MB_, FMT__FRAME_NOT_UDP, 0, 0},
    {K_ETH_IP6, "IPv6 UDP", LT_ETHERNET, DLT_EN10MB_, FMT__FRAME_UDP, 1, PL},
    {K_ETH_IP6_HBH, "IPv6 hop-by-hop + UDP", LT_ETHERNET, DLT_EN10MB_,
     FMT__FRAME_UDP, 1, PL},
    {K_ETH_IP6_FRAG, "IPv6 fragment", LT_ETHERNET, DLT_EN10MB_,
     FMT__FRAME_FRAGMENT, 1, 0},
    {K_ETH_IP6_ATOMIC_FRAG, "IPv6 atomic fragment", LT_ETHERNET, DLT_EN10MB_,
     FMT__FRAME_UDP, 1, PL},
    {K_ETH_IP6_TCP, "IPv6 TCP", LT_ETHERNET, DLT_EN10MB_, FMT__FRAME_NOT_UDP, 1,
     0},
    {K_ETH_SHORT, "10-byte Ethernet frame", LT_ETHERNET, DLT_EN10MB_,
     FMT__FRAME_TRUNCATED, 0, 0},
    {K_ETH_UDP_TRUNC, "UDP cut by the snap length", LT_ETHERNET, DLT_EN10MB_,
     FMT__FRAME_TRUNCATED, 0, 0},
    {K_ETH_UDP_LEN_BAD, "UDP length beyond IP length", LT_ETHERNET, DLT_EN10MB_,
     FMT__FRAME_BAD_HEADER, 0, 0},
    {K_ETH_IHL4, "IPv4 IHL 4", LT_ETHERNET, DLT_EN10MB_, FMT__FRAME_BAD_HEADER,
     0, 0},
    {K_RAW4, "raw IPv4", LT_RAW, DLT_RAW_, FMT__FRAME_UDP, 0, PL},
    {K_RAW6, "raw IPv6", LT_RAW, DLT_RAW_, FMT__FRAME_UDP, 1, PL},
    {K_RAW_V5, "raw IP version 5", LT_RAW, DLT_RAW_, FMT__FRAME_BAD_HEADER, 0,
     0},
    {K_IPV4, "LINKTYPE_IPV4", LT_IPV4, DLT_IPV4_, FMT__FRAME_UDP, 0, PL},
    {K_IPV4_GOT6, "LINKTYPE_IPV4 holding IPv6", LT_IPV4, DLT_IPV4_,
     FMT__FRAME_BAD_HEADER, 0, 0},
    {K_IPV6, "LINKTYPE_IPV6", LT_IPV6, DLT_IPV6_, FMT__FRAME_UDP, 1, PL},
    {K_SLL, "Linux cooked v1", LT_LINUX_SLL, DLT_LINUX_SLL_, FMT__FRAME_UDP, 0,
     PL},
    {K_SLL2, "Linux cooked v2", LT_LINUX_SLL2, DLT_LINUX_SLL2_, FMT__FRAME_UDP,
     0, PL},
    {K_NULL_LE, "BSD loopback, little endian", LT_NULL, DLT_NULL_,
     FMT__FRAME_UDP, 0, PL},
    {K_NULL_BE, "BSD loopback, big endian", LT_NULL, DLT_NULL_, FMT__FRAME_UDP,
     0, PL},
    {K_NULL6_BSD, "BSD loopback, AF_INET6 = 30", LT_NULL, DLT_NULL_,
     FMT__FRAME_UDP, 1, PL},
    {K_NULL6_LINUX, "BSD loopback, AF_INET6 = 10", LT_NULL, DLT_NULL_,
     FMT__FRAME_UDP, 1, PL},
    {K_NULL_UNKNOWN, "BSD loopback, family 7", LT_NULL, DLT_NULL_,
     FMT__FRAME_NOT_UDP, 0, 0},
    {K_LOOP, "OpenBSD loop", LT_LOOP, DLT_LOOP_, FMT__FRAME_UDP, 0, PL},
};
#define N_CASES (sizeof(CASES) / sizeof(CASES[0]))

static void build_case(enum kase k, struct tb_buf *b)
{
	struct ip4_opt o = IP4_PLAIN;
	const uint8_t *pl = PAYLOAD;

	switch (k) {
	case K_ETH:
		ether(b, 0, 0x0800);
		ipv4_udp(b, &o, pl, PL);
		break;
	case K_ETH_VLAN1:
		ether(b, 1, 0x0800);
		ipv4_udp(b, &o, pl, PL);
		break;
	case K_ETH_VLAN2:
		ether(b, 2, 0x0800);
		ipv4_udp(b, &o, pl, PL);
		break;
	case K_ETH_VLAN3:
		ether(b, 3, 0x0800);
		ipv4_udp(b, &o, pl, PL);
		break;
	case K_ETH_ARP:
		ether(b, 0, 0x0806);
		put_zero(b, 28);
		break;
	case K_ETH_IP_OPTIONS:
		o.ihl_words = 7;
		ether(b, 0, 0x0800);
		ipv4_udp(b, &o, pl, PL);
		break;
	case K_ETH_PADDED:
		ether(b, 0, 0x0800);
		ipv4_udp(b, &o, pl, 2);
		while (b->len < 60)
			put_u8(b, 0xee); /* trailer that is not payload */
		break;
	case K_ETH_FRAG_FIRST:
		o.frag = 0x2000; /* MF */
		ether(b, 0, 0x0800);
		ipv4_udp(b, &o, pl, PL);
		break;
	case K_ETH_FRAG_LATER:
		o.frag = 185; /* offset 1480 bytes, last piece */
		ether(b, 0, 0x0800);
		ipv4_udp(b, &o, pl, PL);
		break;
	case K_ETH_TCP:
		o.proto = 6;
		ether(b, 0, 0x0800);
		ipv4_udp(b, &o, pl, PL);
		break;
	case K_ETH_IP6:
		ether(b, 0, 0x86dd);
		ipv6_udp(b, -1, 0, 17, pl, PL);
		break;
	case K_ETH_IP6_HBH:
		ether(b, 0, 0x86dd);
		ipv6_udp(b, 0, 0, 17, pl, PL);
		break;
	case K_ETH_IP6_FRAG:
		ether(b, 0, 0x86dd);
		ipv6_udp(b, 44, 0x0001, 17, pl, PL); /* M flag */
		break;
	case K_ETH_IP6_ATOMIC_FRAG:
		ether(b, 0, 0x86dd);
		ipv6_udp(b, 44, 0, 17, pl, PL);
		break;
	case K_ETH_IP6_TCP:
		ether(b, 0, 0x86dd);
		ipv6_udp(b, -1, 0, 6, pl, PL);
		break;
	case K_ETH_SHORT:
		put_zero(b, 10);
		break;
	case K_ETH_UDP_TRUNC:
		ether(b, 0, 0x0800);
		ipv4_udp(b, &o, pl, PL);
		b->len -= 5; /* as if the snap length cut it */
		break;
	case K_ETH_UDP_LEN_BAD:
		o.udp_len_delta = 1;
		ether(b, 0, 0x0800);
		ipv4_udp(b, &o, pl, PL);
		break;
	case K_ETH_IHL4:
		ether(b, 0, 0x0800);
		ipv4_udp(b, &o, pl, PL);
		b->data[14] = 0x44;
		break;
	case K_RAW4:
	case K_IPV4:
		ipv4_udp(b, &o, pl, PL);
		break;
	case K_RAW6:
	case K_IPV4_GOT6:
	case K_IPV6:
		ipv6_udp(b, -1, 0, 17, pl, PL);
		break;
	case K_RAW_V5:
		ipv4_udp(b, &o, pl, PL);
		b->data[0] = 0x55;
		break;
	case K_SLL:
		put_be16(b, 0);	  /* packet type: to us */
		put_be16(b, 772); /* ARPHRD_LOOPBACK */
		put_be16(b, 6);
		put_zero(b, 8);
		put_be16(b, 0x0800);
		ipv4_udp(b, &o, pl, PL);
		break;
	case K_SLL2:
		put_be16(b, 0x0800);
		put_be16(b, 0);
		put_be32(b, 1);	  /* ifindex */
		put_be16(b, 772); /* ARPHRD_LOOPBACK */
		put_u8(b, 0);
		put_u8(b, 6);
		put_zero(b, 8);
		ipv4_udp(b, &o, pl, PL);
		break;
	case K_NULL_LE:
		put_le32(b, 2);
		ipv4_udp(b, &o, pl, PL);
		break;
	case K_NULL_BE:
	case K_LOOP:
		put_be32(b, 2);
		ipv4_udp(b, &o, pl, PL);
		break;
	case K_NULL6_BSD:
		put_le32(b, 30);
		ipv6_udp(b, -1, 0, 17, pl, PL);
		break;
	case K_NULL6_LINUX:
		put_be32(b, 10);
		ipv6_udp(b, -1, 0, 17, pl, PL);
		break;
	case K_NULL_UNKNOWN:
		put_le32(b, 7);
		ipv4_udp(b, &o, pl, PL);
		break;
	}
}

static uint64_t stat_of(const struct fmt_pcap_stats *s, enum fmt__frame_kind k)
{
	switch (k) {
	case FMT__FRAME_UDP:
		return s->udp;
	case FMT__FRAME_NOT_UDP:
		return s->not_udp;
	case FMT__FRAME_FRAGMENT:
		return s->fragments;
	case FMT__FRAME_TRUNCATED:
		return s->truncated;
	case FMT__FRAME_BAD_HEADER:
		return s->bad_header;
	}
	return 0;
}

static void assert_stats_add_up(const struct fmt_pcap_stats *s)
{
	assert_int_equal(s->frames, s->udp + s->not_udp + s->fragments +
					s->truncated + s->bad_header);
}

/* Every case through a file: the frame, then the same frame again with
 * a later timestamp, so a skipped frame is seen not to stop the read. */
static void test_link_types(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CASES; i++) {
		const struct link_case *lc = &CASES[i];
		struct tb_buf frame, file;
		char path[512];
		struct fmt_pcap_reader *r;
		struct fmt_udp_datagram d;
		struct tb_error err;

		print_message("case %s\n", lc->name);
		tb_buf_init(&frame, 1 << 16);
		tb_buf_init(&file, 1 << 16);
		build_case(lc->id, &frame);
		pcap_file_header(&file, lc->linktype);
		pcap_record(&file, TS_SEC, 123456, &frame);
		pcap_record(&file, TS_SEC + 1, 5, &frame);
		path_in_tmp(path, sizeof(path), "case.pcap");
		write_file(path, file.data, file.len);

		assert_int_equal(fmt_pcap_reader_open(path, &r, &err), TB_OK);
		for (int rep = 0; lc->want == FMT__FRAME_UDP && rep < 2;
		     rep++) {
			assert_int_equal(fmt_pcap_next(r, &d, &err), TB_OK);
			assert_true(d.ts_us ==
				    (int64_t)(TS_SEC + rep) * 1000000 +
					(rep ? 5 : 123456));
			assert_int_equal(d.src_port, PORT_A);
			assert_int_equal(d.dst_port, PORT_B);
			assert_int_equal(d.src_ip, lc->v6 ? 0 : IP_A);
			assert_int_equal(d.dst_ip, lc->v6 ? 0 : IP_B);
			assert_int_equal(d.len, lc->len);
			assert_memory_equal(d.payload, PAYLOAD, lc->len);
		}
		assert_int_equal(fmt_pcap_next(r, &d, &err), TB_ERR_EMPTY);
		const struct fmt_pcap_stats *s = fmt_pcap_reader_stats(r);
		assert_int_equal(s->frames, 2);
		assert_int_equal(stat_of(s, lc->want), 2);
		assert_stats_add_up(s);
		fmt_pcap_reader_close(r);

		/* The parser alone, on exactly sized copies of every prefix:
		 * ASan sees any read past the captured bytes. */
		for (size_t n = 0; n <= frame.len; n++) {
			uint8_t *copy = malloc(n ? n : 1);
			assert_non_null(copy);
			memcpy(copy, frame.data, n);
			memset(&d, 0, sizeof(d));
			enum fmt__frame_kind k =
			    fmt__pcap_parse_frame(lc->dlt, copy, n, &d);
			if (n == frame.len)
				assert_int_equal(k, lc->want);
			if (k == FMT__FRAME_UDP)
				assert_true(d.payload >= copy &&
					    d.payload + d.len <= copy + n);
			free(copy);
		}
		tb_buf_release(&frame);
		tb_buf_release(&file);
	}
}

/* ------------------------------------------------------------------ */
/* Writer round trip. */

#define N_RT 240
static const size_t RT_SIZES[] = {0,	1,    2,    7,	  264,	1464,
				  1472, 2048, 2049, 9000, 65507};
#define N_RT_SIZES (sizeof(RT_SIZES) / sizeof(RT_SIZES[0]))

static void rt_datagram(size_t i, struct fmt_udp_datagram *d, uint8_t *buf)
{
	d->ts_us =
	    (int64_t)TS_SEC * 1000000 + (int64_t)i * 16667 + (int64_t)(i % 7);
	if (i == 0)
		d->ts_us = 0; /* the epoch itself */
	d->src_ip = 0x7f000001u + (uint32_t)(i % 3);
	d->dst_ip = 0xc0a80000u + (uint32_t)i;
	d->src_port = (uint16_t)(40000 + i);
	d->dst_port = (uint16_t)(20777 + i % 3);
	d->len = RT_SIZES[i % N_RT_SIZES];
	for (size_t j = 0; j < d->len; j++)
		buf[j] = (uint8_t)(i * 31 + j * 7);
	d->payload = buf;
}

static void write_roundtrip_file(const char *path, size_t n)
{
	struct fmt_pcap_writer *w;
	struct tb_error err;
	uint8_t *buf = malloc(65507);
	assert_non_null(buf);
	assert_int_equal(fmt_pcap_writer_open(path, &w, &err), TB_OK);
	for (size_t i = 0; i < n; i++) {
		struct fmt_udp_datagram d;
		rt_datagram(i, &d, buf);
		assert_int_equal(fmt_pcap_write(w, &d, &err), TB_OK);
	}
	fmt_pcap_writer_close(w);
	free(buf);
}

static void expect_roundtrip(struct fmt_pcap_reader *r, size_t from, size_t to,
			     uint8_t *buf)
{
	struct tb_error err;
	for (size_t i = from; i < to; i++) {
		struct fmt_udp_datagram want, got;
		rt_datagram(i, &want, buf);
		assert_int_equal(fmt_pcap_next(r, &got, &err), TB_OK);
		assert_true(got.ts_us == want.ts_us);
		assert_int_equal(got.src_ip, want.src_ip);
		assert_int_equal(got.dst_ip, want.dst_ip);
		assert_int_equal(got.src_port, want.src_port);
		assert_int_equal(got.dst_port, want.dst_port);
		assert_int_equal(got.len, want.len);
		if (want.len)
			assert_memory_equal(got.payload, want.payload,
					    want.len);
	}
}

static void test_roundtrip(void **state)
{
	(void)state;
	char path[512];
	struct fmt_pcap_writer *w;
	struct fmt_pcap_reader *r;
	struct fmt_udp_datagram d;
	struct tb_error err;
	uint8_t *buf = malloc(65508);
	assert_non_null(buf);

	path_in_tmp(path, sizeof(path), "rt.pcap");
	assert_int_equal(fmt_pcap_writer_open(path, &w, &err), TB_OK);
	for (size_t i = 0; i < N_RT / 2; i++) {
		rt_datagram(i, &d, buf);
		assert_int_equal(fmt_pcap_write(w, &d, &err), TB_OK);
	}
	/* Refused: too large for IPv4, and times a pcap cannot hold. */
	d.len = 65508;
	assert_int_equal(fmt_pcap_write(w, &d, &err), TB_ERR_LIMIT);
	assert_non_null(strstr(err.msg, "65508"));
	d.len = 4;
	d.ts_us = -1;
	assert_int_equal(fmt_pcap_write(w, &d, &err), TB_ERR_RANGE);
	d.ts_us = (int64_t)1 << 62;
	assert_int_equal(fmt_pcap_write(w, &d, &err), TB_ERR_RANGE);
	d.payload = NULL;
	d.ts_us = 0;
	assert_int_equal(fmt_pcap_write(w, &d, &err), TB_ERR_ARG);

	/* After a flush, what was written is readable with the writer
	 * still open. */
	assert_int_equal(fmt_pcap_writer_flush(w, &err), TB_OK);
	assert_int_equal(fmt_pcap_reader_open(path, &r, &err), TB_OK);
	expect_roundtrip(r, 0, N_RT / 2, buf);
	assert_int_equal(fmt_pcap_next(r, &d, &err), TB_ERR_EMPTY);
	fmt_pcap_reader_close(r);

	for (size_t i = N_RT / 2; i < N_RT; i++) {
		rt_datagram(i, &d, buf);
		assert_int_equal(fmt_pcap_write(w, &d, &err), TB_OK);
	}
	fmt_pcap_writer_close(w);

	assert_int_equal(fmt_pcap_reader_open(path, &r, &err), TB_OK);
	expect_roundtrip(r, 0, N_RT, buf);
	assert_int_equal(fmt_pcap_next(r, &d, &err), TB_ERR_EMPTY);
	assert_int_equal(err.status, TB_ERR_EMPTY);
	/* The end stays the end. */
	assert_int_equal(fmt_pcap_next(r, &d, &err), TB_ERR_EMPTY);
	const struct fmt_pcap_stats *s = fmt_pcap_reader_stats(r);
	assert_int_equal(s->frames, N_RT);
	assert_int_equal(s->udp, N_RT);
	assert_stats_add_up(s);
	fmt_pcap_reader_close(r);
	free(buf);
}

/* Our frames as bytes: Ethernet II to IPv4, IHL 5, total length, DF,
 * TTL 64, UDP, a header checksum that sums to 0xffff, UDP length. */
static void test_writer_bytes(void **state)
{
	(void)state;
	char path[512];
	size_t len = 0;
	path_in_tmp(path, sizeof(path), "bytes.pcap");
	write_roundtrip_file(path, 30);
	uint8_t *f = tbt_read_file(path, &len);
	assert_non_null(f);
	assert_true(len >= 24);
	assert_int_equal(tb_ld_u32le(f), 0xa1b2c3d4u);
	assert_int_equal(tb_ld_u32le(f + 20), 1); /* LINKTYPE_ETHERNET */
	size_t off = 24;
	uint8_t *buf = malloc(65507);
	assert_non_null(buf);
	for (size_t i = 0; i < 30; i++) {
		struct fmt_udp_datagram d;
		rt_datagram(i, &d, buf);
		assert_true(off + 16 <= len);
		uint32_t cap = tb_ld_u32le(f + off + 8);
		assert_int_equal(cap, 42 + d.len);
		assert_int_equal(tb_ld_u32le(f + off + 12), cap);
		assert_int_equal(tb_ld_u32le(f + off), d.ts_us / 1000000);
		assert_int_equal(tb_ld_u32le(f + off + 4), d.ts_us % 1000000);
		const uint8_t *e = f + off + 16;
		assert_true(off + 16 + cap <= len);
		assert_int_equal(e[12] << 8 | e[13], 0x0800);
		const uint8_t *ip = e + 14;
		assert_int_equal(ip[0], 0x45);
		assert_int_equal(ip[2] << 8 | ip[3], 28 + d.len);
		assert_int_equal(ip[6] << 8 | ip[7], 0x4000);
		assert_int_equal(ip[8], 64);
		assert_int_equal(ip[9], 17);
		assert_int_equal(ip_checksum(ip, 20), 0);
		const uint8_t *udp = ip + 20;
		assert_int_equal(udp[4] << 8 | udp[5], 8 + d.len);
		assert_int_equal(udp[6] << 8 | udp[7], 0);
		off += 16 + cap;
	}
	assert_int_equal(off, len);
	free(buf);
	free(f);
}

static const char *find_tcpdump(void)
{
	static const char *const paths[] = {"/usr/sbin/tcpdump",
					    "/usr/bin/tcpdump"};
	for (size_t i = 0; i < 2; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

/* tcpdump -v shows each frame as IPv4/UDP with our ports and lengths and
 * would print "bad cksum" for a wrong IP header checksum. */
static void test_tcpdump_reads_ours(void **state)
{
	(void)state;
	const char *tcpdump = find_tcpdump();
	if (!tcpdump) {
		print_message("note: tcpdump not installed; skipping its"
			      " check of our files\n");
		return;
	}
	char path[512], cmd[1024], line[512], want[512];
	const size_t n = 40;
	path_in_tmp(path, sizeof(path), "tcpdump.pcap");
	write_roundtrip_file(path, n);
	int c = snprintf(cmd, sizeof(cmd), "%s -nn -tt -v -r '%s' 2>&1",
			 tcpdump, path);
	assert_true(c > 0 && (size_t)c < sizeof(cmd));
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	uint8_t *buf = malloc(65507);
	assert_non_null(buf);
	size_t seen = 0;
	for (size_t i = 0; i < n; i++) {
		struct fmt_udp_datagram d;
		rt_datagram(i, &d, buf);
		assert_non_null(fgets(line, sizeof(line), p));
		if (strncmp(line, "reading from file", 17) == 0)
			assert_non_null(fgets(line, sizeof(line), p));
		snprintf(want, sizeof(want),
			 "%lld.%06lld IP (tos 0x0, ttl 64, id %zu, offset 0,"
			 " flags [DF], proto UDP (17), length %zu)\n",
			 (long long)(d.ts_us / 1000000),
			 (long long)(d.ts_us % 1000000), i, 28 + d.len);
		assert_string_equal(line, want);
		assert_non_null(fgets(line, sizeof(line), p));
		snprintf(want, sizeof(want),
			 "    %u.%u.%u.%u.%u > %u.%u.%u.%u.%u: UDP, length"
			 " %zu\n",
			 d.src_ip >> 24, (d.src_ip >> 16) & 255,
			 (d.src_ip >> 8) & 255, d.src_ip & 255, d.src_port,
			 d.dst_ip >> 24, (d.dst_ip >> 16) & 255,
			 (d.dst_ip >> 8) & 255, d.dst_ip & 255, d.dst_port,
			 d.len);
		assert_string_equal(line, want);
		seen++;
	}
	while (fgets(line, sizeof(line), p))
		assert_null(strstr(line, "IP ")); /* nothing more */
	assert_int_equal(pclose(p), 0);
	assert_int_equal(seen, n);
	free(buf);
}

/* ------------------------------------------------------------------ */
/* pcapng, built from the spec (draft-ietf-opsawg-pcapng): Section
 * Header Block, Interface Description Block (LINKTYPE_ETHERNET), one
 * Enhanced Packet Block per frame. */

static void pad4(struct tb_buf *b)
{
	while (b->len % 4)
		put_u8(b, 0);
}

static void pcapng_file(struct tb_buf *f, bool ns, size_t n_frames)
{
	/* SHB: type, total length, byte-order magic, version 1.0,
	 * section length -1 (unknown), no options, total length. */
	put_le32(f, 0x0a0d0d0au);
	put_le32(f, 28);
	put_le32(f, 0x1a2b3c4du);
	put_le16(f, 1);
	put_le16(f, 0);
	put_le32(f, 0xffffffffu);
	put_le32(f, 0xffffffffu);
	put_le32(f, 28);
	/* IDB: type 1, link type, reserved, snap length, options
	 * (if_tsresol = 9: nanoseconds; opt_endofopt), total length. */
	uint32_t idb_len = ns ? 32 : 20;
	put_le32(f, 1);
	put_le32(f, idb_len);
	put_le16(f, LT_ETHERNET);
	put_le16(f, 0);
	put_le32(f, 0);
	if (ns) {
		put_le16(f, 9);
		put_le16(f, 1);
		put_u8(f, 9);
		put_zero(f, 3);
		put_le32(f, 0);
	}
	put_le32(f, idb_len);
	for (size_t i = 0; i < n_frames; i++) {
		struct tb_buf fr;
		tb_buf_init(&fr, 4096);
		ether(&fr, 0, 0x0800);
		ipv4_udp(&fr, &IP4_PLAIN, PAYLOAD, PL - i);
		/* EPB: type 6, total length, interface 0, timestamp high
		 * and low (units of the IDB's resolution), captured and
		 * original length, data padded to 32 bits, length. */
		uint64_t ts = (uint64_t)(TS_SEC + i) * 1000000 + 250000 + i;
		if (ns)
			ts = ts * 1000 + 999; /* sub-µs part dropped */
		uint32_t total = (uint32_t)(32 + ((fr.len + 3) & ~(size_t)3));
		put_le32(f, 6);
		put_le32(f, total);
		put_le32(f, 0);
		put_le32(f, (uint32_t)(ts >> 32));
		put_le32(f, (uint32_t)ts);
		put_le32(f, (uint32_t)fr.len);
		put_le32(f, (uint32_t)fr.len);
		put(f, fr.data, fr.len);
		pad4(f);
		put_le32(f, total);
		tb_buf_release(&fr);
	}
}

static void test_pcapng(void **state)
{
	(void)state;
	for (int ns = 0; ns < 2; ns++) {
		struct tb_buf f;
		char path[512];
		struct fmt_pcap_reader *r;
		struct fmt_udp_datagram d;
		struct tb_error err;
		const size_t n = 5;

		tb_buf_init(&f, 1 << 16);
		pcapng_file(&f, ns, n);
		assert_true(fmt_pcap_sniff(f.data, f.len));
		path_in_tmp(path, sizeof(path), "hand.pcapng");
		write_file(path, f.data, f.len);
		assert_int_equal(fmt_pcap_reader_open(path, &r, &err), TB_OK);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(fmt_pcap_next(r, &d, &err), TB_OK);
			assert_true(d.ts_us == (int64_t)(TS_SEC + i) * 1000000 +
						   250000 + (int64_t)i);
			assert_int_equal(d.src_ip, IP_A);
			assert_int_equal(d.dst_ip, IP_B);
			assert_int_equal(d.src_port, PORT_A);
			assert_int_equal(d.dst_port, PORT_B);
			assert_int_equal(d.len, PL - i);
			assert_memory_equal(d.payload, PAYLOAD, PL - i);
		}
		assert_int_equal(fmt_pcap_next(r, &d, &err), TB_ERR_EMPTY);
		fmt_pcap_reader_close(r);
		tb_buf_release(&f);
	}
}

/* ------------------------------------------------------------------ */
/* Opening errors, sniffing, allocation failures. */

static void test_open_errors(void **state)
{
	(void)state;
	char path[512];
	struct fmt_pcap_reader *r = (struct fmt_pcap_reader *)&r;
	struct fmt_pcap_writer *w = (struct fmt_pcap_writer *)&w;
	struct tb_error err;

	path_in_tmp(path, sizeof(path), "absent.pcap");
	assert_int_equal(fmt_pcap_reader_open(path, &r, &err), TB_ERR_IO);
	assert_null(r);
	assert_non_null(strstr(err.msg, path));

	path_in_tmp(path, sizeof(path), "text.pcap");
	write_file(path, "hello, this is not a capture\n", 29);
	assert_int_equal(fmt_pcap_reader_open(path, &r, &err), TB_ERR_FORMAT);
	assert_non_null(strstr(err.msg, path));

	struct tb_buf f;
	tb_buf_init(&f, 1024);
	pcap_file_header(&f, LT_USER0);
	path_in_tmp(path, sizeof(path), "user0.pcap");
	write_file(path, f.data, f.len);
	assert_int_equal(fmt_pcap_reader_open(path, &r, &err),
			 TB_ERR_UNSUPPORTED);
	assert_null(r);
	tb_buf_release(&f);

	path_in_tmp(path, sizeof(path), "no/such/dir/out.pcap");
	assert_int_equal(fmt_pcap_writer_open(path, &w, &err), TB_ERR_IO);
	assert_null(w);
	assert_non_null(strstr(err.msg, path));

	assert_int_equal(fmt_pcap_reader_open("", &r, &err), TB_ERR_ARG);
	assert_int_equal(fmt_pcap_writer_open(NULL, &w, &err), TB_ERR_ARG);
	fmt_pcap_reader_close(NULL);
	fmt_pcap_writer_close(NULL);
	assert_null(fmt_pcap_reader_stats(NULL));
}

static void test_sniff(void **state)
{
	(void)state;
	static const struct {
		uint8_t b[12];
		size_t len;
		bool want;
	} t[] = {
	    {{0xd4, 0xc3, 0xb2, 0xa1}, 4, true}, /* µs, little endian */
	    {{0xa1, 0xb2, 0xc3, 0xd4}, 4, true}, /* µs, big endian */
	    {{0x4d, 0x3c, 0xb2, 0xa1}, 4, true}, /* ns, little endian */
	    {{0xa1, 0xb2, 0x3c, 0x4d}, 4, true}, /* ns, big endian */
	    {{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a},
	     12,
	     true}, /* pcapng, little endian */
	    {{0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 28, 0x1a, 0x2b, 0x3c, 0x4d},
	     12,
	     true}, /* pcapng, big endian */
	    {{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 1, 2, 3, 4}, 12, false},
	    {{0x0a, 0x0d, 0x0d, 0x0a}, 4, false}, /* too short to tell */
	    {{0xd4, 0xc3, 0xb2}, 3, false},
	    {{'P', 'K', 3, 4}, 4, false},
	    {{0}, 0, false},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		print_message("sniff case %zu\n", i);
		assert_int_equal(fmt_pcap_sniff(t[i].b, t[i].len), t[i].want);
	}
	assert_false(fmt_pcap_sniff(NULL, 24));
}

static void test_alloc_failures(void **state)
{
	(void)state;
	char path[512];
	struct tb_error err;
	enum tb_status st = TB_ERR_NOMEM;
	long n;

	path_in_tmp(path, sizeof(path), "alloc.pcap");
	for (n = 1; st == TB_ERR_NOMEM; n++) {
		struct fmt_pcap_writer *w = NULL;
		tb_fault_fail_alloc_after(n);
		st = fmt_pcap_writer_open(path, &w, &err);
		tb_fault_fail_alloc_after(0);
		if (st == TB_ERR_NOMEM)
			assert_null(w);
		fmt_pcap_writer_close(w);
	}
	assert_int_equal(st, TB_OK);
	assert_true(n > 2); /* at least one failure was exercised */

	st = TB_ERR_NOMEM;
	for (n = 1; st == TB_ERR_NOMEM; n++) {
		struct fmt_pcap_reader *r = NULL;
		tb_fault_fail_alloc_after(n);
		st = fmt_pcap_reader_open(path, &r, &err);
		tb_fault_fail_alloc_after(0);
		if (st == TB_ERR_NOMEM)
			assert_null(r);
		fmt_pcap_reader_close(r);
	}
	assert_int_equal(st, TB_OK);
	assert_true(n > 2);
}

/* ------------------------------------------------------------------ */
/* Corrupt input. */

/* Read a file to its end; the result must be a clean stop. Returns the
 * datagrams read. */
static size_t drain(const char *path, enum tb_status *open_st,
		    enum tb_status *end_st)
{
	struct fmt_pcap_reader *r;
	struct fmt_udp_datagram d;
	struct tb_error err;
	size_t n = 0;

	*open_st = fmt_pcap_reader_open(path, &r, &err);
	*end_st = *open_st;
	if (*open_st != TB_OK) {
		assert_null(r);
		assert_non_null(strstr(err.msg, path));
		return 0;
	}
	for (;;) {
		enum tb_status st = fmt_pcap_next(r, &d, &err);
		if (st != TB_OK) {
			*end_st = st;
			assert_int_equal(err.status, st);
			assert_true(st == TB_ERR_EMPTY ||
				    st == TB_ERR_CORRUPT || st == TB_ERR_IO);
			/* Latched: asking again gives the same answer. */
			assert_int_equal(fmt_pcap_next(r, &d, &err), st);
			break;
		}
		assert_true(d.len <= 65535);
		n++;
	}
	assert_stats_add_up(fmt_pcap_reader_stats(r));
	fmt_pcap_reader_close(r);
	return n;
}

static void test_truncations(void **state)
{
	(void)state;
	char path[512];
	enum tb_status ost, est;
	struct tb_buf f, fr;
	const size_t n_rec = 3;

	tb_buf_init(&fr, 4096);
	ether(&fr, 0, 0x0800);
	ipv4_udp(&fr, &IP4_PLAIN, PAYLOAD, PL);
	tb_buf_init(&f, 1 << 16);
	pcap_file_header(&f, LT_ETHERNET);
	for (size_t i = 0; i < n_rec; i++)
		pcap_record(&f, TS_SEC, (uint32_t)i, &fr);
	path_in_tmp(path, sizeof(path), "trunc.pcap");

	/* Truncated file header. */
	write_file(path, f.data, 10);
	assert_int_equal(drain(path, &ost, &est), 0);
	assert_int_equal(ost, TB_ERR_CORRUPT);

	/* Truncated last record: two datagrams, then a corrupt error. */
	write_file(path, f.data, f.len - 7);
	assert_int_equal(drain(path, &ost, &est), n_rec - 1);
	assert_int_equal(ost, TB_OK);
	assert_int_equal(est, TB_ERR_CORRUPT);

	/* Every prefix of the file. */
	size_t rec = 16 + fr.len;
	for (size_t len = 0; len <= f.len; len++) {
		write_file(path, f.data, len);
		size_t got = drain(path, &ost, &est);
		if (len < 24) {
			assert_int_not_equal(ost, TB_OK);
			continue;
		}
		size_t whole = (len - 24) / rec;
		assert_int_equal(got, whole);
		if ((len - 24) % rec == 0)
			assert_int_equal(est, TB_ERR_EMPTY);
		else
			assert_int_equal(est, TB_ERR_CORRUPT);
	}

	/* Every prefix of a pcapng file stops cleanly too. */
	struct tb_buf ng;
	tb_buf_init(&ng, 1 << 16);
	pcapng_file(&ng, true, 3);
	for (size_t len = 0; len <= ng.len; len++) {
		write_file(path, ng.data, len);
		size_t got = drain(path, &ost, &est);
		assert_true(got <= 3);
		if (len == ng.len)
			assert_int_equal(got, 3);
	}
	tb_buf_release(&ng);
	tb_buf_release(&f);
	tb_buf_release(&fr);
}

/* A record claiming 2 GB must fail, not allocate or read 2 GB. */
static void test_huge_caplen(void **state)
{
	(void)state;
	char path[512];
	enum tb_status ost, est;
	struct tb_buf f;
	tb_buf_init(&f, 4096);
	pcap_file_header(&f, LT_ETHERNET);
	put_le32(&f, TS_SEC);
	put_le32(&f, 0);
	put_le32(&f, 0x80000000u);
	put_le32(&f, 0x80000000u);
	put_zero(&f, 64);
	path_in_tmp(path, sizeof(path), "huge.pcap");
	write_file(path, f.data, f.len);
	assert_int_equal(drain(path, &ost, &est), 0);
	assert_int_equal(ost, TB_OK);
	assert_int_equal(est, TB_ERR_CORRUPT);

	/* Header snap length of 2 GB, records of sane size. */
	f.len = 0;
	pcap_file_header(&f, LT_ETHERNET);
	tb_st_u32le(f.data + 16, 0x80000000u);
	struct tb_buf fr;
	tb_buf_init(&fr, 4096);
	ether(&fr, 0, 0x0800);
	ipv4_udp(&fr, &IP4_PLAIN, PAYLOAD, PL);
	pcap_record(&f, TS_SEC, 0, &fr);
	write_file(path, f.data, f.len);
	assert_true(drain(path, &ost, &est) <= 1);
	tb_buf_release(&fr);
	tb_buf_release(&f);
}

/* xorshift64*: a fixed seed, so a failure reproduces. */
static uint64_t rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static void test_random_bytes(void **state)
{
	(void)state;
	static const uint32_t lts[] = {LT_NULL, LT_ETHERNET,  LT_RAW,
				       LT_LOOP, LT_LINUX_SLL, LT_IPV4,
				       LT_IPV6, LT_LINUX_SLL2};
	static const int dlts[] = {DLT_NULL_, DLT_EN10MB_,    DLT_RAW_,
				   DLT_LOOP_, DLT_LINUX_SLL_, DLT_IPV4_,
				   DLT_IPV6_, DLT_LINUX_SLL2_};
	char path[512];
	enum tb_status ost, est;
	uint64_t seed = 0x7261696c6272616bull;
	struct tb_buf f;

	path_in_tmp(path, sizeof(path), "random.pcap");
	tb_buf_init(&f, 1 << 20);
	for (int iter = 0; iter < 600; iter++) {
		int mode = iter % 3;
		size_t k = rng(&seed) % 8;
		f.len = 0;
		if (mode == 0) { /* noise */
			size_t n = rng(&seed) % 400;
			for (size_t i = 0; i < n; i++)
				put_u8(&f, (unsigned)rng(&seed));
		} else { /* a valid header, then records of noise */
			pcap_file_header(&f, lts[k]);
			size_t nrec = rng(&seed) % 6;
			for (size_t i = 0; i < nrec; i++) {
				uint32_t cl = (uint32_t)(rng(&seed) % 120);
				put_le32(&f, (uint32_t)rng(&seed));
				put_le32(&f, (uint32_t)rng(&seed));
				put_le32(&f,
					 mode == 1 ? cl : (uint32_t)rng(&seed));
				put_le32(&f, cl);
				for (uint32_t j = 0; j < cl; j++)
					put_u8(&f, (unsigned)rng(&seed));
			}
		}
		write_file(path, f.data, f.len);
		(void)drain(path, &ost, &est);
	}

	/* Mutated valid frames straight into the parser, exactly sized. */
	for (int iter = 0; iter < 20000; iter++) {
		struct tb_buf fr;
		struct fmt_udp_datagram d;
		size_t c = rng(&seed) % N_CASES;
		tb_buf_init(&fr, 1 << 16);
		build_case(CASES[c].id, &fr);
		for (int m = 0; m < 3; m++)
			fr.data[rng(&seed) % fr.len] = (uint8_t)rng(&seed);
		size_t n = rng(&seed) % (fr.len + 1);
		uint8_t *copy = malloc(n ? n : 1);
		assert_non_null(copy);
		memcpy(copy, fr.data, n);
		int dlt =
		    (rng(&seed) % 4) ? CASES[c].dlt : dlts[rng(&seed) % 8];
		if (fmt__pcap_parse_frame(dlt, copy, n, &d) == FMT__FRAME_UDP)
			assert_true(d.payload >= copy &&
				    d.payload + d.len <= copy + n);
		free(copy);
		tb_buf_release(&fr);
	}
	tb_buf_release(&f);
}

static int setup(void **state)
{
	(void)state;
	tmp_dir = tbt_tmpdir();
	return tmp_dir ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	int n = snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	if (n > 0 && (size_t)n < sizeof(cmd) &&
	    strncmp(tmp_dir, "/tmp/tbtest.", 12) == 0)
		(void)system(cmd);
	free(tmp_dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_writer_bytes),
	    cmocka_unit_test(test_tcpdump_reads_ours),
	    cmocka_unit_test(test_pcapng),
	    cmocka_unit_test(test_link_types),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_sniff),
	    cmocka_unit_test(test_alloc_failures),
	    cmocka_unit_test(test_truncations),
	    cmocka_unit_test(test_huge_caplen),
	    cmocka_unit_test(test_random_bytes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
