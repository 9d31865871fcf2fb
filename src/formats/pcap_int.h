/* pcap_int.h - internals of the capture reader shared with its tests and
 * fuzzer: the frame parser on its own, so a frame can be checked against
 * an exactly sized buffer without going through a file. */
#ifndef TB_FORMATS_PCAP_INT_H
#define TB_FORMATS_PCAP_INT_H

#include "pcap.h"

/* What one captured frame turned out to be; each kind has its counter
 * in struct fmt_pcap_stats. */
enum fmt__frame_kind {
	FMT__FRAME_UDP,
	FMT__FRAME_NOT_UDP,
	FMT__FRAME_FRAGMENT,
	FMT__FRAME_TRUNCATED,
	FMT__FRAME_BAD_HEADER
};

/* Parse one frame of link type `linktype` (a DLT_ value as libpcap
 * reports it) holding `caplen` captured bytes. On FMT__FRAME_UDP, fills
 * d's ports, addresses, payload (pointing into `frame`) and len; ts_us
 * is left alone. Reads nothing outside frame[0, caplen). */
enum fmt__frame_kind fmt__pcap_parse_frame(int linktype, const uint8_t *frame,
					   size_t caplen,
					   struct fmt_udp_datagram *d);

#endif /* TB_FORMATS_PCAP_INT_H */
