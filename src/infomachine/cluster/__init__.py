"""The cluster stage: items -> stories, incrementally (engine, features, config, prior, dense, stage), reactive search feeds and scoring (evaluate)."""
