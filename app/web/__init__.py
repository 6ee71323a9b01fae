"""HTTP plumbing shared by every area: learner cookie, body limit, error pages, templates."""
