// SPDX-License-Identifier: GPL-2.0
/*
 * The registry: the capture comod handed over and its registered modules.
 * Everything here is under como_lock.
 */
#include <linux/bpf.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "como.h"

DEFINE_MUTEX(como_lock);
struct como_capture *como_cap;
LIST_HEAD(como_modules);
unsigned int como_nmodules;

struct como_module *como_module_find(const char *name)
{
	struct como_module *m;

	list_for_each_entry(m, &como_modules, node)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

void como_module_free(struct como_module *m)
{
	como_objs_release(&m->objs);
	kfree(m);
}

void como_capture_free(struct como_capture *cap)
{
	if (!cap)
		return;
	como_objs_release(&cap->objs);
	kfree(cap->datadir);
	kfree(cap->description);
	kfree(cap);
}

void como_registry_clear(void)
{
	struct como_module *m, *tmp;

	list_for_each_entry_safe(m, tmp, &como_modules, node) {
		list_del(&m->node);
		como_module_free(m);
	}
	como_nmodules = 0;
	como_capture_free(como_cap);
	como_cap = NULL;
}

/*
 * A module's sampling or enabled was just written: comod's drain is to
 * count what either half left out from now on (include/como/maps.h).
 */
void como_ctl_sampled_mark(struct como_ctl *ctl)
{
	smp_wmb();
	WRITE_ONCE(ctl->sampled_any[0], 1);
	WRITE_ONCE(ctl->sampled_any[1], 1);
}

/*
 * The control map is a plain array: its values stay where they are for
 * the map's life, so the clock and the guard write their fields in place,
 * as the programs read them, one aligned word at a time.
 */
struct como_ctl *como_ctl_of(u32 slot)
{
	struct bpf_map *map = como_cap ? como_cap->ctl : NULL;
	void *v;

	if (!map || slot >= map->max_entries)
		return NULL;
	rcu_read_lock();
	v = map->ops->map_lookup_elem(map, &slot);
	rcu_read_unlock();
	return v;
}

/* A module's counters: the sum of its per-CPU copies in como_stats. */
int como_module_stats(const struct como_module *m, struct como_stats *sum)
{
	struct bpf_map *map = como_cap ? como_cap->stats : NULL;
	struct bpf_array *arr;
	u32 key = m->slot + 1;
	int cpu;

	memset(sum, 0, sizeof(*sum));
	if (!map || key >= map->max_entries)
		return -ENOENT;
	arr = container_of(map, struct bpf_array, map);
	for_each_possible_cpu(cpu) {
		const struct como_stats *s =
			per_cpu_ptr(arr->pptrs[key & arr->index_mask], cpu);

		sum->pkts += READ_ONCE(s->pkts);
		sum->bytes += READ_ONCE(s->bytes);
		sum->updates += READ_ONCE(s->updates);
		sum->errors += READ_ONCE(s->errors);
		sum->run_ns += READ_ONCE(s->run_ns);
	}
	return 0;
}
