DROP TABLE prover_queries;
