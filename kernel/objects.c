// SPDX-License-Identifier: GPL-2.0
/*
 * References to BPF objects handed over by fd. A map is held with a user
 * reference too: a program array empties itself when its last user
 * reference goes (the kernel's rule for fds and pins), and the chain of
 * tail calls must outlive comod.
 */
#include <linux/bpf.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "como.h"

int como_obj_take(struct como_obj *o, u32 kind, int fd, u32 prog_type)
{
	struct bpf_map *map;

	switch (kind) {
	case COMO_OBJ_PROG:
		o->prog = bpf_prog_get_type_dev(fd, prog_type, false);
		if (IS_ERR(o->prog))
			return PTR_ERR(o->prog);
		break;
	case COMO_OBJ_MAP:
		map = bpf_map_get(fd);
		if (IS_ERR(map))
			return PTR_ERR(map);
		bpf_map_inc_with_uref(map);
		bpf_map_put(map);
		o->map = map;
		break;
	case COMO_OBJ_LINK:
		o->link = bpf_link_get_from_fd(fd);
		if (IS_ERR(o->link))
			return PTR_ERR(o->link);
		break;
	default:
		return -EINVAL;
	}
	o->kind = kind;
	return 0;
}

/*
 * bpf_map_put_with_uref() is not exported; this is what it does: the last
 * user reference lets the map drop what only users keep (a prog array's
 * programs), then the reference itself goes.
 */
static void map_put_uref(struct bpf_map *map)
{
	if (atomic64_dec_and_test(&map->usercnt) && map->ops->map_release_uref)
		map->ops->map_release_uref(map);
	bpf_map_put(map);
}

void como_obj_release(struct como_obj *o)
{
	switch (o->kind) {
	case COMO_OBJ_PROG:
		bpf_prog_put(o->prog);
		break;
	case COMO_OBJ_MAP:
		map_put_uref(o->map);
		break;
	case COMO_OBJ_LINK:
		bpf_link_put(o->link);
		break;
	}
	o->kind = 0;
}

void como_objs_release(struct como_objs *objs)
{
	unsigned int i;

	for (i = 0; i < objs->n; i++)
		como_obj_release(&objs->v[i]);
	kfree(objs->v);
	objs->v = NULL;
	objs->n = 0;
}

u32 como_obj_id(const struct como_obj *o)
{
	switch (o->kind) {
	case COMO_OBJ_PROG:
		return o->prog->aux->id;
	case COMO_OBJ_MAP:
		return o->map->id;
	case COMO_OBJ_LINK:
		return o->link->id;
	}
	return 0;
}

struct como_obj *como_objs_find(struct como_objs *objs, const char *name)
{
	unsigned int i;

	for (i = 0; i < objs->n; i++)
		if (!strcmp(objs->v[i].name, name))
			return &objs->v[i];
	return NULL;
}
