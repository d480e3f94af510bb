# SPDX-License-Identifier: GPL-2.0
#
# libkvtier: $(BUILD)/libkvtier.so.0 (versioned symbols, soname
# libkvtier.so.0, with a libkvtier.so link), $(BUILD)/libkvtier.a for the
# statically linked programs of the VM, and $(BUILD)/kvtier.pc.
# Also libkvtool.a, the helpers the tools share (JSON, option parsing).
#
# For users of the library:
#   KVTIER_CFLAGS   compile flags (with $(COMMON_CFLAGS))
#   KVTIER_LIB_SO   link dynamically: $(KVTIER_LIB_SO) $(DRM_LIBS)
#   KVTIER_LIB_A    link statically: $(KVTIER_LIB_A) $(DRM_STATIC_LIBS)
#   KVTOOL_LIB_A    the tools' helpers
#
# tests/unit/test_libkvtier.c is built into the unit runner by
# tests/unit/unit.mk; this file adds the libraries it needs to UNIT_LIBS.

KVTIER_DIR      := tools/lib/kvtier
KVTIER_VERSION  := 0.1.0
KVTIER_SONAME   := libkvtier.so.0
PREFIX          ?= /usr/local

KVTIER_CFLAGS   := -I$(KVTIER_DIR)
KVTIER_LIB_A    := $(BUILD)/libkvtier.a
KVTIER_LIB_SO   := $(BUILD)/$(KVTIER_SONAME)
KVTIER_PC       := $(BUILD)/kvtier.pc
KVTOOL_LIB_A    := $(BUILD)/libkvtool.a
DRM_STATIC_LIBS := $(shell pkg-config --libs --static libdrm 2>/dev/null)

KVTIER_SRCS := device.c pool.c map.c key.c object.c batch.c fetch.c \
	       event_queue.c manager.c names.c
KVTOOL_SRCS := kvtool_json.c kvtool_parse.c

KVTIER_OBJS := $(addprefix $(BUILD)/lib/kvtier/,$(KVTIER_SRCS:.c=.o))
KVTOOL_OBJS := $(addprefix $(BUILD)/lib/kvtier/,$(KVTOOL_SRCS:.c=.o))
KVTIER_HDRS := $(wildcard $(KVTIER_DIR)/*.h) uapi/kvtier_drm.h

# Archives only (they are prerequisites too); the runner's link line adds
# -ldrm and -lm after them.
UNIT_LIBS += $(KVTIER_LIB_A) $(KVTOOL_LIB_A)

# Position-independent objects serve both the shared and the static
# library (a static program links PIC code without complaint).
$(BUILD)/lib/kvtier/%.o: $(KVTIER_DIR)/%.c $(KVTIER_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(KVTIER_CFLAGS) -fPIC -c -o $@ $<

$(KVTIER_LIB_A): $(KVTIER_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(KVTOOL_LIB_A): $(KVTOOL_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(KVTIER_LIB_SO): $(KVTIER_OBJS) $(KVTIER_DIR)/kvtier.map
	$(CC) -shared -Wl,-soname,$(KVTIER_SONAME) \
		-Wl,--version-script,$(KVTIER_DIR)/kvtier.map -Wl,-z,defs \
		-o $@ $(KVTIER_OBJS) $(DRM_LIBS)
	ln -sf $(KVTIER_SONAME) $(BUILD)/libkvtier.so

$(KVTIER_PC): $(KVTIER_DIR)/kvtier.pc.in $(KVTIER_DIR)/lib.mk
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(KVTIER_VERSION)|' $< > $@

USERSPACE += $(KVTIER_LIB_A) $(KVTIER_LIB_SO) $(KVTIER_PC) $(KVTOOL_LIB_A)
