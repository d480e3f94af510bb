# SPDX-License-Identifier: GPL-2.0
#
# kvtier-replay: $(BUILD)/kvtier-replay, $(BUILD)/static/kvtier-replay
# (fully static, for the VM's initramfs), and $(BUILD)/libkvtreplay.a (trace
# reader, reference stream, cache simulator, Belady, and the pure parts of
# the live replay) that it and the unit tests link. Needs
# daemon/policy/policy.mk and tools/lib/kvtier/lib.mk (libkvtier, and
# libkvtool's JSON writer) included first.
#
# For users of the library:
#   REPLAY_CFLAGS  compile flags (with $(COMMON_CFLAGS) $(POLICY_CFLAGS))
#   REPLAY_LIB     link it: $(REPLAY_LIB) $(POLICY_LIB) $(KVTIER_LIB_A) -lm
#   REPLAY_ASAN_LIB  the same built with $(SAN_CFLAGS), for `make unit-asan`

REPLAY_DIR    := tools/replay
REPLAY_CFLAGS := -I$(REPLAY_DIR) $(KVTIER_CFLAGS)
# The live replay's parts that need the driver go only into the program;
# every other source (the pure parts, unit-tested) into the library.
REPLAY_LIVE_SRCS := live_run.c live_client.c live_request.c live_region.c \
		    live_cgroup.c live_pool.c live_report.c
REPLAY_LIVE_SRCS := $(addprefix $(REPLAY_DIR)/,$(REPLAY_LIVE_SRCS))
REPLAY_SRCS   := $(filter-out $(REPLAY_LIVE_SRCS),$(wildcard $(REPLAY_DIR)/*.c))
REPLAY_LIVE_OBJS := $(call objs,$(BUILD)/$(REPLAY_DIR),$(REPLAY_LIVE_SRCS))
REPLAY_OBJS   := $(call objs,$(BUILD)/$(REPLAY_DIR),$(REPLAY_SRCS))
REPLAY_LIB    := $(BUILD)/libkvtreplay.a
REPLAY_ASAN_OBJS := $(call objs,$(BUILD)/asan/$(REPLAY_DIR),$(REPLAY_SRCS))
REPLAY_ASAN_LIB  := $(BUILD)/asan/libkvtreplay.a
REPLAY_MAIN_OBJ  := $(BUILD)/tools/kvtier-replay.o

REPLAY_CC_FLAGS = $(COMMON_CFLAGS) $(POLICY_CFLAGS) $(REPLAY_CFLAGS)
REPLAY_ASAN_CC_FLAGS = $(REPLAY_CC_FLAGS) $(SAN_CFLAGS)
REPLAY_PROG_FLAGS = $(REPLAY_CC_FLAGS) -pthread
$(eval $(call compile,$(BUILD)/$(REPLAY_DIR),$(REPLAY_DIR),REPLAY_CC_FLAGS))
$(eval $(call compile,$(BUILD)/asan/$(REPLAY_DIR),$(REPLAY_DIR),REPLAY_ASAN_CC_FLAGS))
$(eval $(call compile-one,$(REPLAY_MAIN_OBJ),tools/kvtier-replay.c,REPLAY_PROG_FLAGS))

$(REPLAY_LIB): $(REPLAY_OBJS)
	$(cmd_ar)

$(REPLAY_ASAN_LIB): $(REPLAY_ASAN_OBJS)
	$(cmd_ar)

REPLAY_INPUTS := $(REPLAY_MAIN_OBJ) $(REPLAY_LIVE_OBJS) $(REPLAY_LIB) \
		 $(POLICY_LIB) $(KVTOOL_LIB_A) $(KVTIER_LIB_A)

# libkvtier linked in statically (libdrm shared), as kvtierd does.
$(BUILD)/kvtier-replay: $(REPLAY_INPUTS)
	$(call cmd_link,$(REPLAY_PROG_FLAGS),$(REPLAY_INPUTS) $(DRM_LIBS) -lm)

$(BUILD)/static/kvtier-replay: $(REPLAY_INPUTS)
	$(call cmd_link,$(REPLAY_PROG_FLAGS) -static,$(REPLAY_INPUTS) \
		$(DRM_STATIC_LIBS) -lm)

# The replay library needs the policies and libkvtier after it on the link
# line.
UNIT_LIBS += $(REPLAY_LIB) $(POLICY_LIB) $(KVTIER_LIB_A) $(KVTOOL_LIB_A)
USERSPACE += $(REPLAY_LIB) $(BUILD)/kvtier-replay $(BUILD)/static/kvtier-replay
