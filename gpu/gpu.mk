# SPDX-License-Identifier: GPL-2.0
#
# The GPU kernels (gpu/*.cu, each with a C reference beside it) as
# $(BUILD)/libkvtgpu.a, and the GPU tests (tests/gpu) as
# $(BUILD)/tests/gpu/t_*. Built when nvcc is found ($(CUDA_HOME)/bin/nvcc
# or on PATH); without it, no kernel or GPU test is built and `make gpu-check`
# says so. `make gpu-check` runs the tests: each exits 77 (skip) where
# there is no GPU. The C references are plain C: the host unit tests
# (tests/unit/test_gpu_*.c) link them whether or not nvcc is found.
#
# Needs daemon/daemon.mk included first (the CUDA device tier's test links
# the daemon's objects).

CUDA_HOME ?= /usr/local/cuda
NVCC      ?= $(firstword $(wildcard $(CUDA_HOME)/bin/nvcc) \
			 $(shell command -v nvcc 2>/dev/null))
# SASS for the H100 (sm_90), and PTX of sm_80 that the driver compiles for
# any GPU from the A100 on, newer ones included.
NVCC_ARCH   ?= -gencode arch=compute_90,code=sm_90 \
	       -gencode arch=compute_80,code=compute_80
NVCC_FLAGS  := -O2 -g -std=c++17 $(NVCC_ARCH) -Igpu \
	       -Xcompiler -Wall,-Wextra,-Werror

GPU_DIR     := gpu
GPU_LIB     := $(BUILD)/libkvtgpu.a
GPU_TESTS_DIR := $(BUILD)/tests/gpu
GPU_TESTS   :=
GPU_HDRS    := $(wildcard $(GPU_DIR)/*.h)
GPU_C_SRCS  := copy_ref.c
GPU_C_OBJS  := $(addprefix $(BUILD)/$(GPU_DIR)/,$(GPU_C_SRCS:.c=.o))

$(BUILD)/$(GPU_DIR)/%.o: $(GPU_DIR)/%.c $(GPU_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) -I$(GPU_DIR) -c -o $@ $<

UNIT_LIBS   += $(GPU_C_OBJS)
UNIT_CFLAGS += -I$(GPU_DIR)

ifneq ($(NVCC),)
GPU_CU_SRCS := copy_kernels.cu
GPU_OBJS    := $(addprefix $(BUILD)/$(GPU_DIR)/,$(GPU_CU_SRCS:.cu=.o)) \
	       $(GPU_C_OBJS)
GPU_TESTS   += $(GPU_TESTS_DIR)/t_copy

$(BUILD)/$(GPU_DIR)/%.o: $(GPU_DIR)/%.cu $(GPU_HDRS)
	@mkdir -p $(@D)
	$(NVCC) $(NVCC_FLAGS) -c -o $@ $<

$(GPU_LIB): $(GPU_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

# The CUDA runtime is linked statically (nvcc's default): it finds the
# driver at run time, and the test can say "no GPU" and skip.
$(GPU_TESTS_DIR)/t_copy: tests/gpu/t_copy.cu $(GPU_LIB) $(GPU_HDRS)
	@mkdir -p $(@D)
	$(NVCC) $(NVCC_FLAGS) -o $@ $< $(GPU_LIB)

USERSPACE += $(GPU_LIB) $(GPU_TESTS)
endif

# The CUDA device tier's test: plain C, dlopens libcuda.so.1 as the tier
# does; built wherever the tier is.
ifneq ($(CUDA_H),)
GPU_TESTS += $(GPU_TESTS_DIR)/t_tier_cuda

$(GPU_TESTS_DIR)/t_tier_cuda: tests/gpu/t_tier_cuda.c $(DAEMON_DEV_OBJS) \
		$(BUILD)/$(DAEMON_DIR)/tier_host.o $(DAEMON_LIB) \
		$(KVTIER_LIB_A) $(DAEMON_HDRS)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CFLAGS) $(DAEMON_CFLAGS) $(DAEMON_CUDA_CFLAGS) -o $@ $< \
		$(BUILD)/$(DAEMON_DIR)/tier_device_cuda.o \
		$(BUILD)/$(DAEMON_DIR)/tier_host.o $(DAEMON_LIB) \
		$(KVTIER_LIB_A) $(DRM_LIBS) -ldl -lpthread

USERSPACE += $(GPU_TESTS_DIR)/t_tier_cuda
endif

.PHONY: gpu
gpu: $(GPU_TESTS)
