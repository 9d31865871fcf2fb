/* protocols.c - the registry of UDP protocols, in sniffing order: those
 * with a header and magic first, fixed-length float layouts after. */
#include "proto.h"

#include <string.h>

static const struct ingest_proto *const protos[] = {
	&ingest_proto_f1,
	&ingest_proto_gt7,
	&ingest_proto_ac,
	&ingest_proto_ea_wrc,
	&ingest_proto_forza,
	&ingest_proto_codemasters,
};

const struct ingest_proto *const *ingest_protocols(size_t *n)
{
	*n = sizeof(protos) / sizeof(protos[0]);
	return protos;
}

const struct ingest_proto *ingest_proto_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(protos[i]->name, name))
			return protos[i];
	return NULL;
}

const struct ingest_proto *ingest_detect(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i]->sniff(buf, len))
			return protos[i];
	return NULL;
}
