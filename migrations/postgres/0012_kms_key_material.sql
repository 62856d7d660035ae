-- KMS keys: the key material's age and expiry (src/assets/kms-key.ts), read by the named checks
-- EncryptionKeysRotationAWS and EncryptionKeysExpiration. Keys stored before this migration have NULL here (unknown)
-- until their next sync collects them.
ALTER TABLE kms_keys ADD COLUMN valid_to text COLLATE "C";            -- DescribeKey ValidTo: imported material that expires; else NULL
ALTER TABLE kms_keys ADD COLUMN expiration_model text COLLATE "C";    -- DescribeKey ExpirationModel; '' for keys not of imported material
ALTER TABLE kms_keys ADD COLUMN last_rotation_date text COLLATE "C";  -- ListKeyRotations: the newest RotationDate; NULL when never rotated
ALTER TABLE kms_keys ADD COLUMN key_material_date text COLLATE "C";   -- the newest of creation_date and last_rotation_date; NULL when unknown
