# SPDX-License-Identifier: GPL-2.0
#
# The rules every fragment (*/*.mk) builds with, included by the Makefile
# before them. A fragment names its sources (by wildcard, so that a new file
# needs no edit here or there), its flags and its outputs; the commands are
# these, once:
#
#   $(eval $(call compile,OBJDIR,SRCDIR,FLAGS))
#       OBJDIR/x.o from SRCDIR/x.c for every x, compiled with $(FLAGS)
#       (FLAGS is a variable's name: it is expanded when the recipe runs,
#       so it may use variables that later fragments define).
#   $(eval $(call compile-cuda,OBJDIR,SRCDIR,FLAGS))
#       the same for SRCDIR/x.cu, with $(NVCC).
#   $(eval $(call compile-one,OBJ,SRC,FLAGS))
#       one object whose flags differ from its directory's.
#   $(call objs,OBJDIR,SRCS)
#       the objects of SRCS (paths) in OBJDIR.
#   $(cmd_ar)                       recipe: $@ from the objects $^
#   $(call cmd_link,FLAGS,INPUTS)   recipe: link $@ from INPUTS
#   $(call cmd_nvlink,FLAGS,INPUTS) the same, with $(NVCC)
#
# Every compile writes its header dependencies beside the object (-MMD -MP);
# the Makefile includes them all at its end. Headers are therefore never
# listed as prerequisites by hand.
#
# Output: one line per step ("  CC      build/daemon/exec.o"), as Kbuild
# prints; `make V=1` prints the commands instead, `make -s` nothing but
# errors. Errors and warnings are never hidden.
#
# SAN_CFLAGS are the sanitizer flags of the asan/ builds.

ifeq ($(V),1)
Q :=
say :=
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
# make -s: errors only.
Q := @
say :=
else
Q := @
# $(call say,TAG[,WHAT]): the step's line (WHAT defaults to $@), then, on
# the same shell line, its command.
say = @printf '  %-7s %s\n' '$(1)' '$(or $(2),$@)';
endif

DEPFLAGS := -MMD -MP
DEPFILES :=

SAN_CFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=all

objs = $(patsubst %,$(1)/%.o,$(basename $(notdir $(2))))

# Each command makes its output's directory first (silently).
define cmd_cc
@mkdir -p $(@D)
$(call say,CC)$(CC) $(CPPFLAGS) $(1) $(DEPFLAGS) -c -o $@ $<
endef

# nvcc writes its dependencies beside the object only when told where.
define cmd_nvcc
@mkdir -p $(@D)
$(call say,NVCC)$(NVCC) $(CPPFLAGS) $(1) $(DEPFLAGS) -MF $(@:.o=.d) -c -o $@ $<
endef

# rm first: an object whose source is gone must not stay in the archive.
define cmd_ar
@mkdir -p $(@D)
$(call say,AR)rm -f $@ && $(AR) rcs $@ $^
endef

define cmd_link
@mkdir -p $(@D)
$(call say,LD)$(CC) $(1) -o $@ $(2)
endef

define cmd_nvlink
@mkdir -p $(@D)
$(call say,NVLD)$(NVCC) $(1) -o $@ $(2)
endef

define compile
$(1)/%.o: $(2)/%.c
	$$(call cmd_cc,$$($(3)))
DEPFILES += $(1)/*.d
endef

define compile-cuda
$(1)/%.o: $(2)/%.cu
	$$(call cmd_nvcc,$$($(3)))
DEPFILES += $(1)/*.d
endef

define compile-one
$(1): $(2)
	$$(call cmd_cc,$$($(3)))
DEPFILES += $(1:.o=.d)
endef
