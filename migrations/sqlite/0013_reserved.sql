-- Reserved: number 0013 belongs to another part of issue 16 (S3 buckets), which lands beside this one; this
-- placeholder only keeps the numbers without gaps on this branch and is replaced by that migration when they merge.
SELECT 1;
