/**
 * The FFI table of native/stemplay.h: one entry per `SP_API` function, each parameter
 * commented with its C prototype. A test checks that this table and the header agree.
 *
 * Conventions: "buffer" for pointers JS passes typed arrays into (out-arrays, strings as
 * NUL-terminated Uint8Array, `sp_x **out_x` out-params as a BigUint64Array(1)); "pointer" for
 * opaque handles (sp_engine*, sp_pcm*, sp_decode_job*) and for returned C strings.
 *
 * @module
 */

/** The ABI version this table is written for; compared with `sp_abi_version()` at load. */
export const ABI_VERSION = 9;

/** Every function of native/stemplay.h, for `Deno.dlopen`. */
export const symbols = {
  // ---- library ----------------------------------------------------------------------------
  /** uint32_t sp_abi_version(void) */
  sp_abi_version: { parameters: [], result: "u32" },
  /** const char *sp_result_string(sp_result result) */
  sp_result_string: {
    parameters: [
      "i32", // sp_result result
    ],
    result: "pointer",
  },
  /** const char *sp_miniaudio_version(void) */
  sp_miniaudio_version: { parameters: [], result: "pointer" },

  // ---- devices ----------------------------------------------------------------------------
  /** sp_result sp_devices_list(const char *backend, char *out_text, uint32_t capacity,
   * uint32_t *out_count): enumerating can take up to the device deadline (3 s). */
  sp_devices_list: {
    parameters: [
      "buffer", // const char *backend
      "buffer", // char *out_text
      "u32", // uint32_t capacity
      "buffer", // uint32_t *out_count
    ],
    result: "i32",
    nonblocking: true,
  },

  // ---- engine -----------------------------------------------------------------------------
  /** sp_engine_config sp_engine_config_init(void): the struct by value, as bytes (see
   * src/native/engine_config.ts for its layout). */
  sp_engine_config_init: {
    parameters: [],
    result: {
      struct: ["pointer", "pointer", "i32", "u32", "u32", "u32", "u32", "u32", "u32", "u32"],
    },
  },
  /** sp_result sp_engine_config_layout(uint32_t *out, uint32_t count) */
  sp_engine_config_layout: {
    parameters: [
      "buffer", // uint32_t *out
      "u32", // uint32_t count
    ],
    result: "i32",
  },
  /** sp_result sp_engine_init(sp_engine_config *config, sp_engine **out_engine): opening a
   * device can take up to its deadline. */
  sp_engine_init: {
    parameters: [
      "buffer", // sp_engine_config *config
      "buffer", // sp_engine **out_engine
    ],
    result: "i32",
    nonblocking: true,
  },
  /** sp_result sp_engine_destroy(sp_engine *engine): device teardown can block. */
  sp_engine_destroy: {
    parameters: [
      "pointer", // sp_engine *engine
    ],
    result: "i32",
    nonblocking: true,
  },
  /** sp_result sp_engine_abandon(sp_engine *engine) */
  sp_engine_abandon: {
    parameters: [
      "pointer", // sp_engine *engine
    ],
    result: "i32",
  },
  /** sp_result sp_engine_reopen(sp_engine *engine, sp_engine_config *config): opening a
   * device can take up to its deadline. */
  sp_engine_reopen: {
    parameters: [
      "pointer", // sp_engine *engine
      "buffer", // sp_engine_config *config
    ],
    result: "i32",
    nonblocking: true,
  },
  /** uint32_t sp_abandoned_outputs(void) */
  sp_abandoned_outputs: {
    parameters: [],
    result: "u32",
  },
  /** uint32_t sp_hanging_opens(void) */
  sp_hanging_opens: {
    parameters: [],
    result: "u32",
  },
  /** sp_result sp_engine_info(const sp_engine *engine, uint32_t *out) */
  sp_engine_info: {
    parameters: [
      "pointer", // const sp_engine *engine
      "buffer", // uint32_t *out
    ],
    result: "i32",
  },
  /** sp_result sp_engine_device_name(const sp_engine *engine, char *out, uint32_t capacity) */
  sp_engine_device_name: {
    parameters: [
      "pointer", // const sp_engine *engine
      "buffer", // char *out
      "u32", // uint32_t capacity
    ],
    result: "i32",
  },
  /** sp_result sp_engine_backend_name(const sp_engine *engine, char *out, uint32_t capacity) */
  sp_engine_backend_name: {
    parameters: [
      "pointer", // const sp_engine *engine
      "buffer", // char *out
      "u32", // uint32_t capacity
    ],
    result: "i32",
  },
  /** sp_result sp_engine_status(const sp_engine *engine, uint64_t *out) */
  sp_engine_status: {
    parameters: [
      "pointer", // const sp_engine *engine
      "buffer", // uint64_t *out
    ],
    result: "i32",
  },
  /** sp_result sp_engine_set_varispeed(sp_engine *engine, double ppm) */
  sp_engine_set_varispeed: {
    parameters: [
      "pointer", // sp_engine *engine
      "f64", // double ppm
    ],
    result: "i32",
  },
  /** sp_result sp_engine_set_heartbeat(sp_engine *engine, int32_t output, float level) */
  sp_engine_set_heartbeat: {
    parameters: [
      "pointer", // sp_engine *engine
      "i32", // int32_t output
      "f32", // float level
    ],
    result: "i32",
  },
  /** uint64_t sp_clock_now_ns(void) */
  sp_clock_now_ns: { parameters: [], result: "u64" },
  /** sp_result sp_engine_set_master_gain(sp_engine *engine, float gain) */
  sp_engine_set_master_gain: {
    parameters: [
      "pointer", // sp_engine *engine
      "f32", // float gain
    ],
    result: "i32",
  },
  /** sp_result sp_render(sp_engine *engine, float *out, uint32_t frames) */
  sp_render: {
    parameters: [
      "pointer", // sp_engine *engine
      "buffer", // float *out
      "u32", // uint32_t frames
    ],
    result: "i32",
  },

  // ---- pcm --------------------------------------------------------------------------------
  /** sp_result sp_pcm_from_planar(const float *planar, uint32_t channels, uint64_t frames,
   * sp_pcm **out_pcm) */
  sp_pcm_from_planar: {
    parameters: [
      "buffer", // const float *planar
      "u32", // uint32_t channels
      "u64", // uint64_t frames
      "buffer", // sp_pcm **out_pcm
    ],
    result: "i32",
  },
  /** sp_result sp_pcm_resample(const sp_pcm *in, uint32_t rate_in, uint32_t rate_out,
   * sp_pcm **out_pcm) */
  sp_pcm_resample: {
    parameters: [
      "pointer", // const sp_pcm *in
      "u32", // uint32_t rate_in
      "u32", // uint32_t rate_out
      "buffer", // sp_pcm **out_pcm
    ],
    result: "i32",
    nonblocking: true,
  },
  /** int32_t sp_stretch_available(void) */
  sp_stretch_available: { parameters: [], result: "i32" },
  /** sp_result sp_pcm_stretch(const sp_pcm *in, uint32_t rate, double speed,
   * double pitch_scale, uint32_t engine, uint64_t start, sp_pcm **out_pcm) */
  sp_pcm_stretch: {
    parameters: [
      "pointer", // const sp_pcm *in
      "u32", // uint32_t rate
      "f64", // double speed
      "f64", // double pitch_scale
      "u32", // uint32_t engine
      "u64", // uint64_t start
      "buffer", // sp_pcm **out_pcm
    ],
    result: "i32",
    nonblocking: true,
  },
  /** sp_result sp_file_stretch(const char *path, uint32_t rate, double speed,
   * double pitch_scale, uint32_t engine, uint64_t start, sp_pcm **out_pcm) */
  sp_file_stretch: {
    parameters: [
      "buffer", // const char *path
      "u32", // uint32_t rate
      "f64", // double speed
      "f64", // double pitch_scale
      "u32", // uint32_t engine
      "u64", // uint64_t start
      "buffer", // sp_pcm **out_pcm
    ],
    result: "i32",
    nonblocking: true,
  },
  /** sp_result sp_file_source_stretch(sp_file_source *source, uint32_t rate, double speed,
   * double pitch_scale, uint32_t engine) */
  sp_file_source_stretch: {
    parameters: [
      "pointer", // sp_file_source *source
      "u32", // uint32_t rate
      "f64", // double speed
      "f64", // double pitch_scale
      "u32", // uint32_t engine
    ],
    result: "i32",
  },
  /** int32_t sp_file_source_stretched(const sp_file_source *source) */
  sp_file_source_stretched: { parameters: ["pointer"], result: "i32" },
  /** sp_result sp_pcm_stretch_progressive(sp_pcm *in, uint32_t rate, double speed,
   *  double pitch_scale, uint32_t engine, uint64_t start, sp_pcm **out_pcm) */
  sp_pcm_stretch_progressive: {
    parameters: [
      "pointer", // sp_pcm *in
      "u32", // uint32_t rate
      "f64", // double speed
      "f64", // double pitch_scale
      "u32", // uint32_t engine
      "u64", // uint64_t start
      "buffer", // sp_pcm **out_pcm
    ],
    result: "i32",
  },
  /** sp_result sp_pcm_fill_state(const sp_pcm *pcm, uint64_t *out) */
  sp_pcm_fill_state: {
    parameters: [
      "pointer", // const sp_pcm *pcm
      "buffer", // uint64_t *out
    ],
    result: "i32",
  },
  /** sp_result sp_pcm_fill_timing(const sp_pcm *pcm, uint64_t *out) */
  sp_pcm_fill_timing: {
    parameters: [
      "pointer", // const sp_pcm *pcm
      "buffer", // uint64_t *out
    ],
    result: "i32",
  },
  /** void sp_pcm_free(sp_pcm *pcm) */
  sp_pcm_free: {
    parameters: [
      "pointer", // sp_pcm *pcm
    ],
    result: "void",
  },
  /** sp_result sp_pcm_info(const sp_pcm *pcm, uint64_t *out) */
  sp_pcm_info: {
    parameters: [
      "pointer", // const sp_pcm *pcm
      "buffer", // uint64_t *out
    ],
    result: "i32",
  },
  /** sp_result sp_pcm_read_channel(const sp_pcm *pcm, uint32_t channel, uint64_t start,
   * uint64_t frames, float *out) */
  sp_pcm_read_channel: {
    parameters: [
      "pointer", // const sp_pcm *pcm
      "u32", // uint32_t channel
      "u64", // uint64_t start
      "u64", // uint64_t frames
      "buffer", // float *out
    ],
    result: "i32",
  },

  // ---- decoding (loading thread) ----------------------------------------------------------
  /** sp_result sp_peaks_file(const char *path, double start, double end, uint32_t points,
   * uint32_t max_channels, float *out, uint64_t *info, char *detail, size_t size): a file's
   * min/max per point, on a worker thread. */
  sp_peaks_file: {
    parameters: ["buffer", "f64", "f64", "u32", "u32", "buffer", "buffer", "buffer", "usize"],
    result: "i32",
    nonblocking: true,
  },
  /** sp_result sp_decode_job_create(const char *path, uint32_t sample_rate,
   * sp_decode_job **out_job) */
  sp_decode_job_create: {
    parameters: [
      "buffer", // const char *path
      "u32", // uint32_t sample_rate
      "buffer", // sp_decode_job **out_job
    ],
    result: "i32",
  },
  /** sp_result sp_decode_job_run(sp_decode_job *job): decodes a whole file on a worker thread. */
  sp_decode_job_run: {
    parameters: [
      "pointer", // sp_decode_job *job
    ],
    result: "i32",
    nonblocking: true,
  },
  /** void sp_decode_job_progress(const sp_decode_job *job, uint64_t *out) */
  sp_decode_job_progress: {
    parameters: [
      "pointer", // const sp_decode_job *job
      "buffer", // uint64_t *out
    ],
    result: "void",
  },
  /** void sp_decode_job_source(const sp_decode_job *job, uint32_t *out) */
  sp_decode_job_source: {
    parameters: [
      "pointer", // const sp_decode_job *job
      "buffer", // uint32_t *out
    ],
    result: "void",
  },
  /** const char *sp_decode_job_format(const sp_decode_job *job) */
  sp_decode_job_format: {
    parameters: [
      "pointer", // const sp_decode_job *job
    ],
    result: "pointer",
  },
  /** const char *sp_decode_job_error(const sp_decode_job *job) */
  sp_decode_job_error: {
    parameters: [
      "pointer", // const sp_decode_job *job
    ],
    result: "pointer",
  },
  /** sp_result sp_decode_job_take(sp_decode_job *job, sp_pcm **out_pcm) */
  sp_decode_job_take: {
    parameters: [
      "pointer", // sp_decode_job *job
      "buffer", // sp_pcm **out_pcm
    ],
    result: "i32",
  },
  /** void sp_decode_job_free(sp_decode_job *job) */
  sp_decode_job_free: {
    parameters: [
      "pointer", // sp_decode_job *job
    ],
    result: "void",
  },

  // ---- streamed files (loading thread) ----------------------------------------------------
  /** sp_result sp_file_source_open(const char *path, uint32_t sample_rate, uint32_t ring_frames,
   * sp_file_source **out_source, char *detail, uint32_t detail_capacity): reads the header on a
   * worker thread. */
  sp_file_source_open: {
    parameters: [
      "buffer", // const char *path
      "u32", // uint32_t sample_rate
      "u32", // uint32_t ring_frames
      "buffer", // sp_file_source **out_source
      "buffer", // char *detail
      "u32", // uint32_t detail_capacity
    ],
    result: "i32",
    nonblocking: true,
  },
  /** sp_result sp_file_source_add_head(sp_file_source *source, uint64_t start,
   * uint32_t frames) */
  sp_file_source_add_head: {
    parameters: [
      "pointer", // sp_file_source *source
      "u64", // uint64_t start
      "u32", // uint32_t frames
    ],
    result: "i32",
  },
  /** sp_result sp_file_source_decode_heads(sp_file_source *source): decodes on a worker
   * thread. */
  sp_file_source_decode_heads: {
    parameters: [
      "pointer", // sp_file_source *source
    ],
    result: "i32",
    nonblocking: true,
  },
  /** sp_result sp_file_source_copy_heads(sp_file_source *to, const sp_file_source *from) */
  sp_file_source_copy_heads: {
    parameters: [
      "pointer", // sp_file_source *to
      "pointer", // const sp_file_source *from
    ],
    result: "i32",
  },
  /** sp_result sp_file_source_info(const sp_file_source *source, uint64_t *out) */
  sp_file_source_info: {
    parameters: [
      "pointer", // const sp_file_source *source
      "buffer", // uint64_t *out
    ],
    result: "i32",
  },
  /** uint32_t sp_file_source_read_failures(const sp_file_source *source) */
  sp_file_source_read_failures: {
    parameters: [
      "pointer", // const sp_file_source *source
    ],
    result: "u32",
  },
  /** sp_result sp_file_source_start_at(sp_file_source *source, uint64_t frame) */
  sp_file_source_start_at: {
    parameters: [
      "pointer", // sp_file_source *source
      "u64", // uint64_t frame
    ],
    result: "i32",
  },
  /** sp_result sp_file_source_head_state(const sp_file_source *source, uint64_t frame,
   * int32_t *out_state) */
  sp_file_source_head_state: {
    parameters: [
      "pointer", // const sp_file_source *source
      "u64", // uint64_t frame
      "buffer", // int32_t *out_state
    ],
    result: "i32",
  },
  /** sp_result sp_file_source_want_head(sp_file_source *source, uint64_t frame) */
  sp_file_source_want_head: {
    parameters: [
      "pointer", // sp_file_source *source
      "u64", // uint64_t frame
    ],
    result: "i32",
  },
  /** sp_result sp_file_source_ring_state(const sp_file_source *source, uint64_t *out) */
  sp_file_source_ring_state: {
    parameters: [
      "pointer", // const sp_file_source *source
      "buffer", // uint64_t *out
    ],
    result: "i32",
  },
  /** sp_result sp_engine_rings_low(sp_engine *engine, uint32_t quarters, uint32_t *out_count) */
  sp_engine_rings_low: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t quarters
      "buffer", // uint32_t *out_count
    ],
    result: "i32",
  },
  /** const char *sp_file_source_format(const sp_file_source *source) */
  sp_file_source_format: {
    parameters: [
      "pointer", // const sp_file_source *source
    ],
    result: "pointer",
  },
  /** void sp_file_source_free(sp_file_source *source) */
  sp_file_source_free: {
    parameters: [
      "pointer", // sp_file_source *source
    ],
    result: "void",
  },

  // ---- tracks -----------------------------------------------------------------------------
  /** sp_result sp_track_attach_file(sp_engine *engine, sp_file_source *source, uint32_t group,
   * uint32_t *out_slot) */
  sp_track_attach_file: {
    parameters: [
      "pointer", // sp_engine *engine
      "pointer", // sp_file_source *source
      "u32", // uint32_t group
      "buffer", // uint32_t *out_slot
    ],
    result: "i32",
  },
  /** sp_result sp_engine_stream_stats(sp_engine *engine, uint64_t *out) */
  sp_engine_stream_stats: {
    parameters: [
      "pointer", // sp_engine *engine
      "buffer", // uint64_t *out
    ],
    result: "i32",
  },
  /** sp_result sp_engine_set_readers(sp_engine *engine, uint32_t count) */
  sp_engine_set_readers: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t count
    ],
    result: "i32",
  },
  /** sp_result sp_track_attach(sp_engine *engine, sp_pcm *pcm, uint32_t group,
   * uint32_t *out_slot) */
  sp_track_attach: {
    parameters: [
      "pointer", // sp_engine *engine
      "pointer", // sp_pcm *pcm
      "u32", // uint32_t group
      "buffer", // uint32_t *out_slot
    ],
    result: "i32",
  },
  /** sp_result sp_track_activate(sp_engine *engine, uint32_t slot) */
  sp_track_activate: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t slot
    ],
    result: "i32",
  },
  /** sp_result sp_track_deactivate(sp_engine *engine, uint32_t slot) */
  sp_track_deactivate: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t slot
    ],
    result: "i32",
  },
  /** sp_result sp_track_release(sp_engine *engine, uint32_t slot) */
  sp_track_release: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t slot
    ],
    result: "i32",
  },
  /** sp_result sp_track_set_gain(sp_engine *engine, uint32_t slot, float gain) */
  sp_track_set_gain: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t slot
      "f32", // float gain
    ],
    result: "i32",
  },
  /** sp_result sp_track_set_mute(sp_engine *engine, uint32_t slot, int32_t muted) */
  sp_track_set_mute: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t slot
      "i32", // int32_t muted
    ],
    result: "i32",
  },
  /** sp_result sp_track_set_solo(sp_engine *engine, uint32_t slot, int32_t solo) */
  sp_track_set_solo: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t slot
      "i32", // int32_t solo
    ],
    result: "i32",
  },
  /** sp_result sp_track_set_protected(sp_engine *engine, uint32_t slot, int32_t on) */
  sp_track_set_protected: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t slot
      "i32", // int32_t on
    ],
    result: "i32",
  },
  /** sp_result sp_output_set_gain(sp_engine *engine, uint32_t output, float gain) */
  sp_output_set_gain: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t output
      "f32", // float gain
    ],
    result: "i32",
  },
  /** sp_result sp_output_set_delay(sp_engine *engine, uint32_t output, uint32_t frames) */
  sp_output_set_delay: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t output
      "u32", // uint32_t frames
    ],
    result: "i32",
  },
  /** sp_result sp_output_set_protected(sp_engine *engine, uint32_t output, int32_t on) */
  sp_output_set_protected: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t output
      "i32", // int32_t on
    ],
    result: "i32",
  },
  /** sp_result sp_output_peaks_read(sp_engine *engine, float *out, uint32_t count) */
  sp_output_peaks_read: {
    parameters: [
      "pointer", // sp_engine *engine
      "buffer", // float *out
      "u32", // uint32_t count
    ],
    result: "i32",
  },
  /** sp_result sp_output_clipped_read(const sp_engine *engine, uint64_t *out, uint32_t count) */
  sp_output_clipped_read: {
    parameters: [
      "pointer", // const sp_engine *engine
      "buffer", // uint64_t *out
      "u32", // uint32_t count
    ],
    result: "i32",
  },
  /** sp_result sp_track_set_route(sp_engine *engine, uint32_t slot, const float *gains,
   * uint32_t count) */
  sp_track_set_route: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t slot
      "buffer", // const float *gains
      "u32", // uint32_t count
    ],
    result: "i32",
  },

  // ---- transport --------------------------------------------------------------------------
  /** sp_result sp_transport_play(sp_engine *engine) */
  sp_transport_play: {
    parameters: [
      "pointer", // sp_engine *engine
    ],
    result: "i32",
  },
  /** sp_result sp_transport_pause(sp_engine *engine) */
  sp_transport_pause: {
    parameters: [
      "pointer", // sp_engine *engine
    ],
    result: "i32",
  },
  /** sp_result sp_transport_stop(sp_engine *engine) */
  sp_transport_stop: {
    parameters: [
      "pointer", // sp_engine *engine
    ],
    result: "i32",
  },
  /** sp_result sp_transport_seek(sp_engine *engine, uint64_t frame) */
  sp_transport_seek: {
    parameters: [
      "pointer", // sp_engine *engine
      "u64", // uint64_t frame
    ],
    result: "i32",
  },
  /** sp_result sp_transport_switch(sp_engine *engine, uint32_t group, uint64_t frame) */
  sp_transport_switch: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t group
      "u64", // uint64_t frame
    ],
    result: "i32",
  },

  // ---- meters -----------------------------------------------------------------------------
  /** sp_result sp_meters_set_enabled(sp_engine *engine, int32_t enabled) */
  sp_meters_set_enabled: {
    parameters: [
      "pointer", // sp_engine *engine
      "i32", // int32_t enabled
    ],
    result: "i32",
  },
  /** sp_result sp_meters_read(sp_engine *engine, float *out, uint32_t capacity) */
  sp_meters_read: {
    parameters: [
      "pointer", // sp_engine *engine
      "buffer", // float *out
      "u32", // uint32_t capacity
    ],
    result: "i32",
  },

  // ---- latency monitor --------------------------------------------------------------------
  /** sp_result sp_monitor_set_enabled(sp_engine *engine, int32_t enabled) */
  sp_monitor_set_enabled: {
    parameters: [
      "pointer", // sp_engine *engine
      "i32", // int32_t enabled
    ],
    result: "i32",
  },
  /** int32_t sp_monitor_enabled(const sp_engine *engine) */
  sp_monitor_enabled: {
    parameters: [
      "pointer", // const sp_engine *engine
    ],
    result: "i32",
  },
  /** sp_result sp_monitor_reset(sp_engine *engine) */
  sp_monitor_reset: {
    parameters: [
      "pointer", // sp_engine *engine
    ],
    result: "i32",
  },
  /** sp_result sp_monitor_read(const sp_engine *engine, uint32_t *durations_ns,
   * uint32_t *intervals_ns, uint32_t capacity, uint64_t *counters, uint32_t *out_count) */
  sp_monitor_read: {
    parameters: [
      "pointer", // const sp_engine *engine
      "buffer", // uint32_t *durations_ns
      "buffer", // uint32_t *intervals_ns
      "u32", // uint32_t capacity
      "buffer", // uint64_t *counters
      "buffer", // uint32_t *out_count
    ],
    result: "i32",
  },

  // ---- show flow ------------------------------------------------------------------------------
  /** sp_result sp_ltc_render(uint32_t fps_x100, uint32_t hour, int64_t first_frame,
   *  uint64_t frames, uint32_t sample_rate, float level, sp_pcm **out_pcm) */
  sp_ltc_render: {
    parameters: [
      "u32", // uint32_t fps_x100
      "u32", // uint32_t hour
      "i64", // int64_t first_frame
      "u64", // uint64_t frames
      "u32", // uint32_t sample_rate
      "f32", // float level
      "buffer", // sp_pcm **out_pcm
    ],
    result: "i32",
  },
  /** sp_result sp_ltc_render_speed(uint32_t fps_x100, uint32_t hour, int64_t first_frame,
   *  uint64_t frames, uint32_t sample_rate, float level, double speed, sp_pcm **out_pcm) */
  sp_ltc_render_speed: {
    parameters: [
      "u32", // uint32_t fps_x100
      "u32", // uint32_t hour
      "i64", // int64_t first_frame
      "u64", // uint64_t frames
      "u32", // uint32_t sample_rate
      "f32", // float level
      "f64", // double speed
      "buffer", // sp_pcm **out_pcm
    ],
    result: "i32",
  },
  // ---- MIDI in ----------------------------------------------------------------------------
  /** sp_result sp_midi_in_open_jack(const char *client_name, const char *port_name,
   *  const char *connect_from, sp_midi_in **out_midi) */
  sp_midi_in_open_jack: {
    parameters: ["buffer", "buffer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  /** sp_result sp_midi_in_open_engine(sp_engine *engine, const char *port_name,
   *  const char *connect_from, sp_midi_in **out_midi): on the engine's own JACK client */
  sp_midi_in_open_engine: {
    parameters: ["pointer", "buffer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  /** sp_result sp_midi_in_reattach(sp_midi_in *midi) */
  sp_midi_in_reattach: { parameters: ["pointer"], result: "i32" },
  /** sp_result sp_midi_in_port_name(const sp_midi_in *midi, char *name, uint32_t capacity) */
  sp_midi_in_port_name: { parameters: ["pointer", "buffer", "u32"], result: "i32" },
  /** sp_result sp_midi_in_open_alsa(const char *client_name, const char *port_name,
   *  const char *connect_from, sp_midi_in **out_midi) */
  sp_midi_in_open_alsa: {
    parameters: ["buffer", "buffer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  /** sp_result sp_midi_in_wait(sp_midi_in *midi, sp_midi_event *events, uint32_t capacity,
   *  uint32_t *out_count): waits for events, on a loading thread */
  sp_midi_in_wait: {
    parameters: ["pointer", "buffer", "u32", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  /** sp_result sp_midi_in_wake(sp_midi_in *midi) */
  sp_midi_in_wake: { parameters: ["pointer"], result: "i32" },
  /** sp_result sp_midi_in_counters(const sp_midi_in *midi, uint64_t *counters) */
  sp_midi_in_counters: { parameters: ["pointer", "buffer"], result: "i32" },
  /** void sp_midi_in_close(sp_midi_in *midi): stops the backend (JACK deactivation waits for
   * the server), on a loading thread */
  sp_midi_in_close: { parameters: ["pointer"], result: "void", nonblocking: true },
  /** uint64_t sp_midi_now_ns(void) */
  sp_midi_now_ns: { parameters: [], result: "u64" },

  // ---- MTC out -----------------------------------------------------------------------------
  /** sp_result sp_mtc_open_jack(const sp_engine *engine, uint32_t fps_x100,
   *  const char *client_name, const char *port_name, const char *connect_to, sp_mtc **out_mtc) */
  sp_mtc_open_jack: {
    parameters: ["pointer", "u32", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  /** sp_result sp_mtc_map_song(sp_mtc *mtc, uint32_t group, uint32_t hour) */
  sp_mtc_map_song: { parameters: ["pointer", "u32", "u32"], result: "i32" },
  /** sp_result sp_mtc_map_song_speed(sp_mtc *mtc, uint32_t group, uint32_t hour,
   *  double speed) */
  sp_mtc_map_song_speed: { parameters: ["pointer", "u32", "u32", "f64"], result: "i32" },
  /** sp_result sp_mtc_unmap_song(sp_mtc *mtc, uint32_t group) */
  sp_mtc_unmap_song: { parameters: ["pointer", "u32"], result: "i32" },
  /** sp_result sp_mtc_set_offset(sp_mtc *mtc, int64_t offset_frames) */
  sp_mtc_set_offset: { parameters: ["pointer", "i64"], result: "i32" },
  /** sp_result sp_mtc_counters(const sp_mtc *mtc, uint64_t *counters) */
  sp_mtc_counters: { parameters: ["pointer", "buffer"], result: "i32" },
  /** sp_result sp_mtc_reattach(sp_mtc *mtc) */
  sp_mtc_reattach: { parameters: ["pointer"], result: "i32" },
  /** sp_result sp_mtc_port_name(const sp_mtc *mtc, char *name, uint32_t capacity) */
  sp_mtc_port_name: { parameters: ["pointer", "buffer", "u32"], result: "i32" },
  /** void sp_mtc_close(sp_mtc *mtc): JACK deactivation waits for the server */
  sp_mtc_close: { parameters: ["pointer"], result: "void", nonblocking: true },

  /** sp_result sp_midi_out_open_jack(sp_engine *engine, const char *port_name,
   *  sp_midi_out **out_midi) */
  sp_midi_out_open_jack: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  /** sp_result sp_midi_out_reattach(sp_midi_out *out) */
  sp_midi_out_reattach: { parameters: ["pointer"], result: "i32" },
  /** sp_result sp_midi_out_connect(sp_midi_out *out, const char *destination) */
  sp_midi_out_connect: { parameters: ["pointer", "buffer"], result: "i32", nonblocking: true },
  /** sp_result sp_midi_out_port_name(const sp_midi_out *out, char *name, uint32_t capacity) */
  sp_midi_out_port_name: { parameters: ["pointer", "buffer", "u32"], result: "i32" },
  /** sp_result sp_midi_out_map_song(sp_midi_out *out, uint32_t group, const double *segments,
   *  uint32_t count, const int64_t *event_frames, const uint32_t *event_sizes,
   *  uint32_t event_count, const unsigned char *bytes, uint32_t byte_count): waits out a
   *  running audio callback */
  sp_midi_out_map_song: {
    parameters: ["pointer", "u32", "buffer", "u32", "buffer", "buffer", "u32", "buffer", "u32"],
    result: "i32",
  },
  /** sp_result sp_midi_out_unmap_song(sp_midi_out *out, uint32_t group) */
  sp_midi_out_unmap_song: { parameters: ["pointer", "u32"], result: "i32" },
  /** sp_result sp_midi_out_last(const sp_midi_out *out, int64_t *last) */
  sp_midi_out_last: { parameters: ["pointer", "buffer"], result: "i32" },
  /** sp_result sp_midi_out_set(sp_midi_out *out, int32_t clock_on, int64_t offset_frames) */
  sp_midi_out_set: { parameters: ["pointer", "i32", "i64"], result: "i32" },
  /** sp_result sp_midi_out_counters(const sp_midi_out *out, uint64_t *counters) */
  sp_midi_out_counters: { parameters: ["pointer", "buffer"], result: "i32" },
  /** void sp_midi_out_close(sp_midi_out *out): waits out a running audio callback */
  sp_midi_out_close: { parameters: ["pointer"], result: "void", nonblocking: true },

  /** sp_result sp_click_render(const uint64_t *beat_frames, const uint8_t *accents,
   *  uint32_t beats, uint64_t frames, uint32_t sample_rate, sp_pcm **out_pcm) */
  sp_click_render: {
    parameters: [
      "buffer", // const uint64_t *beat_frames
      "buffer", // const uint8_t *accents
      "u32", // uint32_t beats
      "u64", // uint64_t frames
      "u32", // uint32_t sample_rate
      "buffer", // sp_pcm **out_pcm
    ],
    result: "i32",
  },

  /** sp_result sp_transport_cue(sp_engine *engine, uint64_t at_frame, uint32_t group,
   *  uint64_t target_frame, uint32_t crossfade_frames, int32_t repeat) */
  sp_transport_cue: {
    parameters: [
      "pointer", // sp_engine *engine
      "u64", // uint64_t at_frame
      "u32", // uint32_t group
      "u64", // uint64_t target_frame
      "u32", // uint32_t crossfade_frames
      "i32", // int32_t repeat
    ],
    result: "i32",
  },
  /** sp_result sp_transport_cancel_cue(sp_engine *engine) */
  sp_transport_cancel_cue: {
    parameters: [
      "pointer", // sp_engine *engine
    ],
    result: "i32",
  },
  /** sp_result sp_transport_retime(sp_engine *engine, uint32_t group, double from_speed,
   *  double to_speed, uint32_t crossfade_frames) */
  sp_transport_retime: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t group
      "f64", // double from_speed
      "f64", // double to_speed
      "u32", // uint32_t crossfade_frames
    ],
    result: "i32",
  },
  /** uint32_t sp_min_loop_frames(const sp_engine *engine) */
  sp_min_loop_frames: {
    parameters: [
      "pointer", // const sp_engine *engine
    ],
    result: "u32",
  },
  /** sp_result sp_transport_fade(sp_engine *engine, int32_t direction, uint32_t frames) */
  sp_transport_fade: {
    parameters: [
      "pointer", // sp_engine *engine
      "i32", // int32_t direction
      "u32", // uint32_t frames
    ],
    result: "i32",
  },

  // ---- test hooks (SP_ERROR_UNSUPPORTED unless built with -DSP_TEST_HOOKS) -----------------
  /** sp_result sp_test_set_spin_ns(sp_engine *engine, uint32_t ns) */
  sp_test_set_spin_ns: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t ns
    ],
    result: "i32",
  },
  /** sp_result sp_test_set_cpu_load_ns(sp_engine *engine, uint32_t ns) */
  sp_test_set_cpu_load_ns: {
    parameters: [
      "pointer", // sp_engine *engine
      "u32", // uint32_t ns
    ],
    result: "i32",
  },
  /** sp_result sp_test_set_streaming(sp_engine *engine, int32_t reader_paused,
   * int32_t offline_waits) */
  sp_test_set_streaming: {
    parameters: [
      "pointer", // sp_engine *engine
      "i32", // int32_t reader_paused
      "i32", // int32_t offline_waits
    ],
    result: "i32",
  },
  /** sp_result sp_test_reader_steps(sp_engine *engine, int32_t add, int32_t *out_left) */
  sp_test_reader_steps: {
    parameters: [
      "pointer", // sp_engine *engine
      "i32", // int32_t add
      "buffer", // int32_t *out_left
    ],
    result: "i32",
  },
  /** sp_result sp_test_stretch_fed(uint64_t *out_frames) */
  sp_test_stretch_fed: {
    parameters: [
      "buffer", // uint64_t *out_frames
    ],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The type of the table, for code that holds a loaded library. */
export type Symbols = typeof symbols;
