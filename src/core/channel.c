/* channel.c - names, units and kinds of the canonical channels, and the
 * names of games, session kinds, car classes and lap flags. */
#include "core.h"

#include <stdio.h>

static const struct {
	const char *name, *unit;
	enum tb_channel_kind kind;
} chan_tab[TB_CH__COUNT] = {
#define TB__X(id, name, unit, kind) {name, unit, kind},
	TB_CHANNEL_LIST(TB__X)
#undef TB__X
};

const char *tb_channel_name(enum tb_channel ch)
{
	return ((unsigned)ch < TB_CH__COUNT) ? chan_tab[ch].name : NULL;
}

const char *tb_channel_unit(enum tb_channel ch)
{
	return ((unsigned)ch < TB_CH__COUNT) ? chan_tab[ch].unit : NULL;
}

enum tb_channel_kind tb_channel_kind(enum tb_channel ch)
{
	return ((unsigned)ch < TB_CH__COUNT) ? chan_tab[ch].kind
					     : TB_KIND_CONT;
}

enum tb_status tb_channel_by_name(const char *name, enum tb_channel *out)
{
	for (int i = 0; i < TB_CH__COUNT; i++) {
		if (strcmp(chan_tab[i].name, name) == 0) {
			*out = (enum tb_channel)i;
			return TB_OK;
		}
	}
	return TB_ERR_NOTFOUND;
}

const char *tb_game_name(enum tb_game g)
{
	static const char *const names[TB_GAME__COUNT] = {
		"unknown",	 "F1 22",	   "F1 23",
		"F1 24",	 "F1 25",	   "DiRT Rally 2.0",
		"Codemasters",	 "EA SPORTS WRC",  "Forza Motorsport 7",
		"Forza Horizon", "Forza Motorsport", "Assetto Corsa",
		"Gran Turismo 7", "GT Sport",	   "iRacing",
		"ACC",		 "Le Mans Ultimate", "rFactor 2",
		"real F1"};
	return ((unsigned)g < TB_GAME__COUNT) ? names[g] : "unknown";
}

const char *tb_session_kind_name(enum tb_session_kind k)
{
	static const char *const names[TB_SESSION__COUNT] = {
		"unknown", "practice", "qualifying",
		"race",	   "time trial", "stage"};
	return ((unsigned)k < TB_SESSION__COUNT) ? names[k] : "unknown";
}

const char *tb_car_class_name(enum tb_car_class c)
{
	static const char *const names[TB_CLASS__COUNT] = {
		"other", "F1", "LMH", "GT3", "Rally"};
	return ((unsigned)c < TB_CLASS__COUNT) ? names[c] : "other";
}

void tb_lap_flags_str(uint32_t flags, char *buf, size_t cap)
{
	static const char *const names[] = {"cut", "pit",  "flashback",
					    "incomplete", "out", "in",
					    "invalid", "traffic"};
	size_t used = 0;
	if (cap == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & (1u << i)))
			continue;
		int n = snprintf(buf + used, cap - used, "%s%s",
				 used ? "," : "", names[i]);
		if (n < 0 || (size_t)n >= cap - used)
			return;
		used += (size_t)n;
	}
}
