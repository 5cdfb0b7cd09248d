// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
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
///
/// Roles are separate so that no single key can do everything: the admin
/// (one address, handed over only through a two-step transfer that waits
/// `defaultAdminDelay()`) grants and revokes the others and sets the cap;
/// minters mint; pausers pause. Minting is capped per period (fixed windows
/// of `mintPeriod` seconds), so a stolen minter key mints at most
/// `mintCap` tokens in a window before the admin revokes it.
contract EcoCoin is ERC20, AccessControlDefaultAdminRules, Pausable {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice Length of a minting window, in seconds.
    uint48 public mintPeriod;
    /// @notice Most tokens (in wei) minted within one window.
    uint256 public mintCap;
    /// @notice The window `mintedInPeriod` counts (block.timestamp / mintPeriod).
    uint256 public currentPeriod;
    /// @notice Tokens minted so far in `currentPeriod`.
    uint256 public mintedInPeriod;

    /// @notice Whether a claim id has already been paid out.
    mapping(bytes32 claimId => bool) public claimed;

    event ClaimMinted(bytes32 indexed claimId, address indexed to, uint256 amount);
    event ClaimSkipped(bytes32 indexed claimId);
    event MintCapChanged(uint256 previousCap, uint256 newCap);

    error ClaimAlreadyMinted(bytes32 claimId);
    error LengthMismatch(uint256 claimIds, uint256 recipients, uint256 amounts);
    error MintCapExceeded(uint256 requested, uint256 available);
    error ZeroPeriod();
    error ZeroPauser();

    /// @param admin The default admin, e.g. a multisig; it alone grants roles.
    /// @param adminDelay Seconds an admin transfer must wait before the new
    /// admin can accept it.
    /// @param minter Receives MINTER_ROLE; address(0) to grant it later (the
    /// minter key may be created after the token).
    /// @param pauser Receives PAUSER_ROLE.
    /// @param cap Most tokens (in wei) minted per window.
    /// @param period Window length in seconds (86400: a day, in UTC days).
    constructor(address admin, uint48 adminDelay, address minter, address pauser, uint256 cap, uint48 period)
        ERC20("EcoCoin", "ECO")
        AccessControlDefaultAdminRules(adminDelay, admin)
    {
        if (period == 0) revert ZeroPeriod();
        if (pauser == address(0)) revert ZeroPauser();
        mintPeriod = period;
        mintCap = cap;
        emit MintCapChanged(0, cap);
        if (minter != address(0)) _grantRole(MINTER_ROLE, minter);
        _grantRole(PAUSER_ROLE, pauser);
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
    /// only mints what is still missing. The whole batch reverts with
    /// `MintCapExceeded` if it would take the window past the cap.
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

    /// @notice Tokens (in wei) that can still be minted in the current window.
    function mintAllowance() external view returns (uint256) {
        uint256 used = block.timestamp / mintPeriod == currentPeriod ? mintedInPeriod : 0;
        return used >= mintCap ? 0 : mintCap - used;
    }

    /// @notice Sets the per-window cap; only the admin can.
    function setMintCap(uint256 cap) external onlyRole(DEFAULT_ADMIN_ROLE) {
        emit MintCapChanged(mintCap, cap);
        mintCap = cap;
    }

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    function _mintClaim(bytes32 claimId, address to, uint256 amount) private {
        uint256 period = block.timestamp / mintPeriod;
        if (period != currentPeriod) {
            currentPeriod = period;
            mintedInPeriod = 0;
        }
        uint256 total = mintedInPeriod + amount;
        if (total > mintCap) {
            revert MintCapExceeded(amount, mintCap > mintedInPeriod ? mintCap - mintedInPeriod : 0);
        }
        mintedInPeriod = total;
        claimed[claimId] = true;
        _mint(to, amount);
        emit ClaimMinted(claimId, to, amount);
    }
}
