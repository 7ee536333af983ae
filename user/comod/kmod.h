/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * como.ko, when it is loaded: comod hands it the capture and registers
 * each module; its flush clock then flips their epochs and comod drains
 * what it closes. Where como.ko is absent comod keeps its own clock.
 */
#ifndef _COMOD_KMOD_H
#define _COMOD_KMOD_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include <linux/como.h>

struct kmod;
struct modrt;

/* A BPF object by name: an fd handed over, or an id handed back. */
struct kmod_obj {
	char name[COMO_OBJ_NAME_MAX];
	__u32 kind;		/* enum como_obj_kind */
	int fd;
	__u32 id;
};

/* What como.ko knows of a module's epochs. */
struct kmod_epochs {
	char name[COMO_NAME_MAX];
	__u64 epoch;			/* the open one */
	__u64 epoch_start_ns;
	bool closed;			/* one is closed, not yet drained */
	__u64 closed_epoch, closed_start_ns, closed_end_ns;
};

/* -ENOENT when como.ko is not loaded; anything else is an error. */
int kmod_open(struct kmod **kp);
void kmod_close(struct kmod *k);
/* false once como.ko has been unloaded under us */
bool kmod_alive(struct kmod *k);
/* Readable when como.ko has announced something: look at the modules. */
int kmod_event_fd(const struct kmod *k);
void kmod_events_discard(struct kmod *k);

int kmod_capture_set(struct kmod *k, const char *datadir, const char *desc,
		     const struct kmod_obj *objs, unsigned int n);
/* -ENOENT when no capture is held; the strings and array are malloc'd */
int kmod_capture_get(struct kmod *k, char **datadir, char **desc,
		     struct kmod_obj **objs, unsigned int *n);
int kmod_capture_del(struct kmod *k);
/* A BPF object of the capture, by id; an fd this process owns. */
int kmod_obj_open(const struct kmod_obj *o);

int kmod_register(struct kmod *k, const struct modrt *rt);
/* *last: the module's epochs as como.ko left them */
int kmod_unregister(struct kmod *k, const char *name, struct kmod_epochs *last);
/* Every registered module's epochs; *v is malloc'd. */
int kmod_modules(struct kmod *k, struct kmod_epochs **v, unsigned int *n);
int kmod_drained(struct kmod *k, const char *name, __u64 epoch);

#endif
