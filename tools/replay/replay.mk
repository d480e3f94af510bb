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
# The live replay's pure parts (unit-tested) go into the library; the
# parts that need the driver only into the program.
REPLAY_SRCS   := trace.c refs.c belady.c sim.c capacity.c \
		 live_assign.c live_content.c live_stats.c live_record.c
REPLAY_LIVE_SRCS := live_run.c live_client.c live_request.c live_region.c \
		    live_cgroup.c live_pool.c live_report.c
REPLAY_LIVE_OBJS := $(addprefix $(BUILD)/$(REPLAY_DIR)/,$(REPLAY_LIVE_SRCS:.c=.o))
REPLAY_OBJS   := $(addprefix $(BUILD)/$(REPLAY_DIR)/,$(REPLAY_SRCS:.c=.o))
REPLAY_HDRS   := $(wildcard $(REPLAY_DIR)/*.h) $(POLICY_HDRS) $(KVTIER_HDRS)
REPLAY_LIB    := $(BUILD)/libkvtreplay.a

$(BUILD)/$(REPLAY_DIR)/%.o: $(REPLAY_DIR)/%.c $(REPLAY_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(POLICY_CFLAGS) $(REPLAY_CFLAGS) -c -o $@ $<

$(REPLAY_LIB): $(REPLAY_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

REPLAY_ASAN_OBJS := $(addprefix $(BUILD)/asan/$(REPLAY_DIR)/,$(REPLAY_SRCS:.c=.o))
REPLAY_ASAN_LIB  := $(BUILD)/asan/libkvtreplay.a

$(BUILD)/asan/$(REPLAY_DIR)/%.o: $(REPLAY_DIR)/%.c $(REPLAY_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(POLICY_CFLAGS) $(REPLAY_CFLAGS) $(SAN_CFLAGS) \
		-c -o $@ $<

$(REPLAY_ASAN_LIB): $(REPLAY_ASAN_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

REPLAY_DEPS := tools/kvtier-replay.c $(REPLAY_LIVE_OBJS) $(REPLAY_LIB) \
	       $(POLICY_LIB) $(REPLAY_HDRS) $(KVTOOL_LIB_A) $(KVTIER_LIB_A)
REPLAY_ARCHIVES := $(REPLAY_LIB) $(POLICY_LIB) $(KVTOOL_LIB_A) $(KVTIER_LIB_A)

# libkvtier linked in statically (libdrm shared), as kvtierd does.
$(BUILD)/kvtier-replay: $(REPLAY_DEPS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(POLICY_CFLAGS) $(REPLAY_CFLAGS) -pthread \
		-o $@ $< $(REPLAY_LIVE_OBJS) $(REPLAY_ARCHIVES) $(DRM_LIBS) -lm

$(BUILD)/static/kvtier-replay: $(REPLAY_DEPS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(POLICY_CFLAGS) $(REPLAY_CFLAGS) -pthread \
		-static -o $@ $< $(REPLAY_LIVE_OBJS) $(REPLAY_ARCHIVES) \
		$(DRM_STATIC_LIBS) -lm

# The replay library needs the policies and libkvtier after it on the link
# line.
UNIT_LIBS += $(REPLAY_LIB) $(POLICY_LIB) $(KVTIER_LIB_A) $(KVTOOL_LIB_A)
USERSPACE += $(REPLAY_LIB) $(BUILD)/kvtier-replay $(BUILD)/static/kvtier-replay
