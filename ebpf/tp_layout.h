/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The layout check: the records the programs read (kvtier_tp.h) against
 * what the running kvtier.ko writes, as its format files describe it.
 */
#ifndef KVTIER_EBPF_TP_LAYOUT_H
#define KVTIER_EBPF_TP_LAYOUT_H

#include <stddef.h>

/**
 * struct kvt_tp_field - one field a program reads.
 * @name: As the format file names it.
 * @offset: Byte offset in the record.
 * @size: Bytes.
 * @is_signed: As the format file's signed: says.
 */
struct kvt_tp_field {
	const char *name;
	unsigned int offset;
	unsigned int size;
	int is_signed;
};

/*
 * The fields this build reads from kvtier event @event (kvtier_...), and
 * their count in *@n; NULL for an event it knows nothing of.
 */
const struct kvt_tp_field *kvt_tp_fields(const char *event, unsigned int *n);

/*
 * kvt_tp_check - compare @event's format file under @tracefs
 * (@tracefs/events/kvtier/@event/format) with kvt_tp_fields(@event).
 * Returns 0 when every field is where this build expects it; otherwise
 * -ENOENT (no format file: the event does not exist), -EPROTO (a field
 * is missing or at another offset, size or signedness), or -errno, with
 * a message of one line saying exactly which and where in @msg.
 */
int kvt_tp_check(const char *tracefs, const char *event, char *msg,
		 size_t msglen);

/*
 * kvt_tp_check_text - the same check on the text of a format file,
 * @text, named @path in the message.
 */
int kvt_tp_check_text(const char *event, const char *text, const char *path,
		      char *msg, size_t msglen);

#endif /* KVTIER_EBPF_TP_LAYOUT_H */
