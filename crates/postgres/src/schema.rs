// @generated automatically by Diesel CLI.

diesel::table! {
    allocation_decisions (id) {
        id -> Uuid,
        sequence -> Int8,
        jediswap_bps -> Int4,
        ekubo_bps -> Int4,
        jediswap_risk -> Int2,
        ekubo_risk -> Int2,
        jediswap_apy -> Int4,
        ekubo_apy -> Int4,
        statement -> Jsonb,
        model_version -> Int4,
        model_hash -> Text,
        proof_job_id -> Uuid,
        fact_hash -> Nullable<Text>,
        tx_hash -> Nullable<Text>,
        signed_tx -> Nullable<Bytea>,
        block_number -> Nullable<Int8>,
        status -> Text,
        message -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        approval_signer -> Nullable<Text>,
        approval_nonce -> Nullable<Text>,
        execution -> Nullable<Jsonb>,
        execution_request -> Nullable<Jsonb>,
        metrics_origins -> Jsonb,
    }
}

diesel::table! {
    idempotency_keys (key) {
        key -> Text,
        request_hash -> Text,
        status_code -> Int2,
        response -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    market_readings (readings_hash) {
        readings_hash -> Text,
        protocol -> Text,
        first_block -> Int8,
        last_block -> Int8,
        sample_count -> Int4,
        terms -> Jsonb,
        policy -> Jsonb,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    market_samples (protocol, block_number) {
        protocol -> Text,
        block_number -> Int8,
        block_hash -> Text,
        block_timestamp -> Int8,
        sqrt_price -> Text,
        fraction_bits -> Int4,
        liquidity -> Text,
        tvl -> Text,
        volume -> Text,
        fees -> Text,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    model_versions (version) {
        version -> Int4,
        params -> Jsonb,
        model_hash -> Text,
        program_hash -> Text,
        status -> Text,
        registered_by -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    proof_jobs (id) {
        id -> Uuid,
        decision_id -> Nullable<Uuid>,
        status -> Text,
        provers -> Array<Nullable<Text>>,
        prover -> Nullable<Text>,
        attempts -> Jsonb,
        statement -> Jsonb,
        public_output -> Nullable<Jsonb>,
        proof_system -> Nullable<Text>,
        proof -> Nullable<Bytea>,
        proof_size -> Nullable<Int4>,
        proof_hash -> Nullable<Text>,
        prove_time_ms -> Nullable<Int8>,
        claim -> Nullable<Jsonb>,
        fact_hash -> Nullable<Text>,
        verification_hash -> Nullable<Text>,
        security_bits -> Nullable<Int4>,
        registration -> Nullable<Jsonb>,
        failure -> Nullable<Jsonb>,
        last_error -> Nullable<Text>,
        retries -> Int4,
        next_attempt_at -> Timestamptz,
        lease_owner -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        resumptions -> Jsonb,
        registration_sent -> Jsonb,
    }
}

diesel::table! {
    prover_queries (prover, statement_key) {
        prover -> Text,
        statement_key -> Text,
        query_id -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    task_leases (task) {
        task -> Text,
        holder -> Text,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_deliveries (event_id, endpoint) {
        event_id -> Uuid,
        endpoint -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        lease_until -> Nullable<Timestamptz>,
        delivered_at -> Nullable<Timestamptz>,
        last_status -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_endpoints (url) {
        url -> Text,
        events -> Array<Nullable<Text>>,
    }
}

diesel::table! {
    webhook_events (id) {
        id -> Uuid,
        event -> Text,
        payload -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(allocation_decisions -> model_versions (model_version));
diesel::joinable!(allocation_decisions -> proof_jobs (proof_job_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint));
diesel::joinable!(webhook_deliveries -> webhook_events (event_id));

diesel::allow_tables_to_appear_in_same_query!(
    allocation_decisions,
    idempotency_keys,
    market_readings,
    market_samples,
    model_versions,
    proof_jobs,
    prover_queries,
    task_leases,
    webhook_deliveries,
    webhook_endpoints,
    webhook_events,
);
