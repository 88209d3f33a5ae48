// Built-in functions the impact estimate may let the server evaluate: they compute a value from
// their arguments (and the clock, the random generator, settings or catalogs) and do nothing else.
// An allowlist, on purpose: volatility says nothing of side effects (random() is volatile and
// harmless, pg_terminate_backend is volatile and not), so a name missing here is not evaluated
// and its statement's row count is reported unknown, which fails closed.

const names = (list: string) => list.trim().split(/\s+/);

export const PURE_BUILTINS: ReadonlySet<string> = new Set([
  // aggregates and window functions
  ...names(`count sum avg min max bool_and bool_or every array_agg string_agg json_agg jsonb_agg
    json_object_agg jsonb_object_agg stddev stddev_pop stddev_samp variance var_pop var_samp bit_and
    bit_or bit_xor percentile_cont percentile_disc mode corr covar_pop covar_samp any_value range_agg
    row_number rank dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value`),
  // numbers
  ...names(`abs ceil ceiling floor round trunc sign sqrt cbrt power pow exp ln log log10 mod div pi
    degrees radians sin cos tan asin acos atan atan2 random random_normal width_bucket gcd lcm
    factorial scale min_scale trim_scale`),
  // text
  ...names(`lower upper initcap length char_length character_length octet_length bit_length substr
    substring left right lpad rpad ltrim rtrim btrim position strpos replace translate repeat reverse
    concat concat_ws format split_part regexp_replace regexp_match regexp_matches
    regexp_split_to_array regexp_split_to_table regexp_like regexp_count regexp_instr regexp_substr
    starts_with string_to_array array_to_string md5 sha224 sha256 sha384 sha512 encode decode to_hex
    ascii chr quote_ident quote_literal quote_nullable overlay normalize unistr convert_from
    convert_to`),
  // dates and times
  ...names(`now clock_timestamp statement_timestamp transaction_timestamp timeofday date_trunc
    date_part extract date_bin age make_date make_time make_timestamp make_timestamptz make_interval
    to_char to_date to_timestamp to_number justify_days justify_hours justify_interval isfinite
    timezone`),
  // JSON
  ...names(`to_json to_jsonb row_to_json array_to_json json_build_object jsonb_build_object
    json_build_array jsonb_build_array json_object jsonb_object json_array_length jsonb_array_length
    json_extract_path jsonb_extract_path json_extract_path_text jsonb_extract_path_text jsonb_set
    jsonb_set_lax jsonb_insert jsonb_strip_nulls json_strip_nulls jsonb_pretty json_typeof
    jsonb_typeof jsonb_path_query jsonb_path_exists jsonb_path_match jsonb_path_query_array
    jsonb_path_query_first json_array_elements jsonb_array_elements json_array_elements_text
    jsonb_array_elements_text json_each jsonb_each json_each_text jsonb_each_text json_object_keys
    jsonb_object_keys`),
  // arrays and sets
  ...names(`array_length array_lower array_upper array_position array_positions array_append
    array_prepend array_cat array_remove array_replace array_dims array_ndims cardinality unnest
    generate_series generate_subscripts array_fill trim_array`),
  // everything else
  ...names(`num_nulls num_nonnulls gen_random_uuid pg_typeof format_type current_setting
    current_database current_schema`),
]);

/**
 * Extensions whose native (C) functions only compute values: a call to one of them is neither
 * opaque to the analyzer nor unsafe to evaluate. dblink, postgres_fdw and file_fdw are not here.
 */
export const PURE_EXTENSIONS: ReadonlySet<string> = new Set(
  names(`pgcrypto uuid-ossp pg_trgm citext hstore fuzzystrmatch unaccent intarray ltree cube
    earthdistance btree_gin btree_gist isn seg postgis vector`),
);
