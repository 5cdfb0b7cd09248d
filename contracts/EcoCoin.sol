// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

/// @title EcoCoin (ECO)
/// @notice Reward token for photo-verified civic cleanups. Tokens come into
/// existence only against a verified claim, and each claim pays out once.
/// @dev Claim id convention: `claimId = keccak256(bytes(submissionUuid))`,
/// where `submissionUuid` is the submission's UUID as its canonical string
/// (lowercase, hyphenated, e.g. "0b9f4c2e-7a1d-4e3b-9c55-2f0e6d8a1b47").
/// Off-chain code must derive the id the same way so a retried payout maps
/// to the same `claimed` slot. Pausing stops minting only; holders can keep
/// transferring, so an incident on the minting side never freezes funds.
contract EcoCoin is ERC20, AccessControl, Pausable {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice Whether a claim id has already been paid out.
    mapping(bytes32 claimId => bool) public claimed;

    event ClaimMinted(bytes32 indexed claimId, address indexed to, uint256 amount);
    event ClaimSkipped(bytes32 indexed claimId);

    error ClaimAlreadyMinted(bytes32 claimId);
    error LengthMismatch(uint256 claimIds, uint256 recipients, uint256 amounts);
    error ZeroAdmin();

    /// @param admin Receives the admin, minter and pauser roles; rotate them
    /// to dedicated keys after deployment.
    constructor(address admin) ERC20("EcoCoin", "ECO") {
        if (admin == address(0)) revert ZeroAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    /// @notice Pays out one claim; reverts if it was already paid so a
    /// duplicate single payout is surfaced to the caller.
    function mintForClaim(bytes32 claimId, address to, uint256 amount)
        external
        onlyRole(MINTER_ROLE)
        whenNotPaused
    {
        if (claimed[claimId]) revert ClaimAlreadyMinted(claimId);
        _mintClaim(claimId, to, amount);
    }

    /// @notice Pays out many claims; already-paid ids (including repeats
    /// inside the batch) are skipped with `ClaimSkipped`, so a retried batch
    /// only mints what is still missing.
    /// @return minted Number of claims paid out by this call.
    function mintForClaims(bytes32[] calldata claimIds, address[] calldata to, uint256[] calldata amounts)
        external
        onlyRole(MINTER_ROLE)
        whenNotPaused
        returns (uint256 minted)
    {
        uint256 count = claimIds.length;
        if (to.length != count || amounts.length != count) {
            revert LengthMismatch(count, to.length, amounts.length);
        }
        for (uint256 i = 0; i < count; ++i) {
            bytes32 claimId = claimIds[i];
            if (claimed[claimId]) {
                emit ClaimSkipped(claimId);
                continue;
            }
            _mintClaim(claimId, to[i], amounts[i]);
            ++minted;
        }
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    function _mintClaim(bytes32 claimId, address to, uint256 amount) private {
        claimed[claimId] = true;
        _mint(to, amount);
        emit ClaimMinted(claimId, to, amount);
    }
}
