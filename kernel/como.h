/* SPDX-License-Identifier: GPL-2.0 */
/*
 * como.ko's parts and what they share. One mutex, como_lock, guards the
 * registry and the configuration: netlink handlers and the flush clock's
 * work both run in process context, and none of them is hot.
 */
#ifndef _COMO_KMOD_H
#define _COMO_KMOD_H

#include <linux/bpf.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <uapi/linux/como.h>	/* and the attributes' limits */
#include <como/maps.h>

/* A BPF object handed over by fd, held until released. */
struct como_obj {
	char name[COMO_OBJ_NAME_MAX];
	u32 kind;			/* enum como_obj_kind */
	union {
		struct bpf_prog *prog;
		struct bpf_map *map;
		struct bpf_link *link;
	};
};

struct como_objs {
	struct como_obj *v;
	unsigned int n;
};

/* The capture comod built: dispatcher, shared maps, XDP links, stages. */
struct como_capture {
	char *datadir;
	char *description;
	struct como_objs objs;
	struct bpf_map *ctl;		/* held through objs */
	struct bpf_map *stats;		/* held through objs, may be NULL */
};

/* A registered module: its epochs are the flush clock's. */
struct como_module {
	struct list_head node;
	char name[COMO_NAME_MAX];
	u32 slot;
	u32 priority;
	u32 min_sampling;		/* largest N it accepts */
	u32 sampling;			/* asked for at registration, 0: as is */
	u64 interval_ns;
	u64 epoch_start_ns;		/* of the open epoch, wall clock */
	/* a closed epoch comod has not drained yet */
	bool closed;
	bool announced;			/* its EPOCH_CLOSED event went out */
	u64 closed_epoch, closed_start_ns, closed_end_ns;
	u64 stretched;			/* boundaries passed while one waited */
	/* the overload guard's view */
	u64 run_ns_seen;
	u64 cost_ns;			/* over the last tick */
	bool stopped_by_guard;
	struct como_objs objs;
};

struct como_config {
	u64 tick_ns;
	u32 cpu_budget_pm;
};

extern struct mutex como_lock;
extern struct como_config como_cfg;
extern struct como_capture *como_cap;
extern struct list_head como_modules;
extern unsigned int como_nmodules;

/* objects.c: take and release references to BPF objects */
int como_obj_take(struct como_obj *o, u32 kind, int fd, u32 prog_type);
void como_obj_release(struct como_obj *o);
void como_objs_release(struct como_objs *objs);
u32 como_obj_id(const struct como_obj *o);
struct como_obj *como_objs_find(struct como_objs *objs, const char *name);

/* registry.c */
struct como_module *como_module_find(const char *name);
void como_module_free(struct como_module *m);
void como_capture_free(struct como_capture *cap);
void como_registry_clear(void);
struct como_ctl *como_ctl_of(u32 slot);
void como_ctl_sampled_mark(struct como_ctl *ctl);
int como_module_stats(const struct como_module *m, struct como_stats *sum);

/* clock.c: the flush clock, which also runs the overload guard */
void como_clock_init(void);
void como_clock_stop(void);
/* (re)starts the timer with the configured tick; nothing once stopping */
void como_clock_kick(void);
extern u64 como_epochs_closed;

/* guard.c */
void como_guard_tick(u64 elapsed_ns);
extern bool como_overload;
extern u32 como_load_pm;

/* netlink.c */
int como_genl_register(void);
void como_genl_unregister(void);

/* the family's multicast groups, by index */
enum { COMO_GRP_EVENTS };

/* events.c: a leaf; FAMILY NULL stops the events */
struct genl_family;
void como_events_init(const struct genl_family *family);
void como_event_epoch_closed(const struct como_module *m, u32 load_pm);
void como_event_sampled(const struct como_module *m, u32 sampling,
			u32 load_pm);
void como_event_stopped(const struct como_module *m, const char *why,
			u32 load_pm);
void como_event_overload(bool begun, u32 load_pm);

#endif /* _COMO_KMOD_H */
